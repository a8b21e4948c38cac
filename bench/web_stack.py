"""What the benchmarks that start the web stack share: a database of their own and a user."""

import json
import os
import tempfile
import urllib.request
import uuid


def own_database_url(name: str) -> str:
    """A database of the benchmark's own: PostgreSQL `name`, created afresh next to
    DATABASE_URL's, or a throwaway SQLite file when DATABASE_URL is not PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tempfile.mkdtemp(prefix=f'{name}-')}/db.sqlite3"
    import psycopg2

    connection = psycopg2.connect(url.replace("postgres://", "postgresql://"))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        cursor.execute(f"CREATE DATABASE {name}")
    connection.close()
    return url.rsplit("/", 1)[0] + f"/{name}"


def signup(base: str) -> str:
    """A new account on the server at `base`; its JWT access token."""
    body = json.dumps(
        {"email": f"bench-{uuid.uuid4().hex[:10]}@example.com", "password": uuid.uuid4().hex}
    ).encode()
    request = urllib.request.Request(
        f"{base}/api/v1/auth/signup/", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["tokens"]["access"]
