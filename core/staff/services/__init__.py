"""Staff services, by topic: accounts (create, deactivate, profiles),
certifications (upload with a content check), leave (apply, handle the
classes it touches, approve, deny)."""
