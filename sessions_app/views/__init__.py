"""The views of `sessions_app`, one module per audience.

- `signin`: register, login, logout, password change and reset (anyone, REST clients)
- `me`: your own account, sessions and security events
- `staff`: look anyone up by mobile number and end their sessions
- `browser`: the Django pages of the browsable API (login, logout)
"""
