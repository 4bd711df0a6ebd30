"""The audit log's proofs, without a database: canonical rows, the hash chain, signed checkpoints, exports.

Nothing here imports SQLAlchemy or Flask (a test checks it): ``docflow audit verify --export`` and the
evidence packs verify on a machine that has only docflow installed. The database side lives in
``docflow.services.audit`` (its ``checkpoints`` and ``export`` modules).

Public entry points (see each module):

- ``chain``: ``GENESIS_HASH``, ``canonical_bytes``/``content_text``, ``content_sha256``, ``chain_hash``,
  ``ProblemKind``, ``ChainProblem``, ``ChainReport``, ``ChainVerifier``, ``verify_segment``.
- ``checkpoints``: ``Checkpoint`` (a signed head), ``checkpoint_payload``, ``sign_checkpoint``,
  ``Trust`` (trust roots + CRLs), ``verify_checkpoint``.
- ``export``: the JSON Lines format (``FORMAT``), line writers, ``read_export``, ``verify_export``.
"""
