"""HTTP plumbing that the pages (`app/web`) and the JSON API (`app/api`) share: the
application's typed state, the request's unit of work, who is asking, the language,
error handlers and middleware. Nothing below this package (the domain and the core)
imports it; `make check` enforces that (`.importlinter`)."""
