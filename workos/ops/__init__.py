"""Operations: deploy phases, backups, git, service managers, runtime checks, snapshots and the crawler.

Nothing here starts Django: these tools run beside (and across versions of) the code they deploy, so they
talk to git, the service manager and the database directly.
"""
