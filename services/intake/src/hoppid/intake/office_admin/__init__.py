"""The office admin's pages of the office's staff accounts and machine keys (issue 14):
``/pages/staff/accounts`` and ``/pages/staff/keys``.

They call the same use cases as the JSON API (``accounts.save_account`` /
``accounts.remove_account``, ``offices.use_cases.issue_key`` / ``revoke_key``), so the rules,
the events and the end of a changed account's sessions live in one place. Only the office's
admin (or the platform admin, who chooses an office) may use them; another office's account or
key is a 404, as one that does not exist.
"""
