"""Use cases: a Session and plain values in; they flush and never commit, and import nothing from Flask."""
