from tests.security.wards import two_wards  # noqa: F401

def test_seed(two_wards):
    for w in (two_wards.a, two_wards.b):
        print(w.id, {k: v[:3] for k, v in w.ids.items()}, w.public_code, w.petition)
