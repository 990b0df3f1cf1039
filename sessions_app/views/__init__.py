"""The views of `sessions_app`, one module per audience.

- `signin`: register, login, logout, password change and reset (anyone, REST clients)
- `me`: your own account, sessions and security events
- `staff`: look anyone up by mobile number and end their sessions
- `tokens`: renew a token session with its refresh token (REST clients)
- `spa`: the JSON cookie login and logout of single-page apps, and their CSRF token
- `browser`: the Django pages of the browsable API (login, logout)
"""
