"""Each test performs one attack through the web client (or, for the auditor's checks, straight in the
database) and proves it is refused or named (issue 10)."""
