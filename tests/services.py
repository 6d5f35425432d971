"""Real servers for the hub profile's tests: PostgreSQL (Debian's package, `make postgres`) in a temporary
directory on a free port of 127.0.0.1, an S3 endpoint from moto's server mode, and an Azure Blob endpoint
from Azurite (npm, `make azurite`). Each is started by a session fixture (one per test worker) and stopped
afterwards; nothing is mocked inside the process."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ADMIN = "placements_admin"
ADMIN_PASSWORD = "test-only-admin-password"  # a test server on 127.0.0.1, gone when the session ends
DATABASE = "placements"
S3_ACCESS_KEY = "test-only-access-key"
S3_SECRET_KEY = "test-only-secret-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bin() -> Path:
    """Debian installs the server's programs under /usr/lib/postgresql/<version>/bin, outside PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise RuntimeError("PostgreSQL's server is not installed: run `make postgres` (Debian package postgresql).")


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    admin: str
    password: str
    database: str
    directory: Path

    def url(self, user: str | None = None, password: str | None = None, database: str | None = None) -> str:
        return (f"postgresql://{user or self.admin}:{password if password is not None else self.password}"
                f"@{self.host}:{self.port}/{database or self.database}")


def _as_server_user(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root (CI and this machine run as root): run them as the
    `postgres` account the Debian package creates."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def _run(command: list[str], **kwargs) -> None:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode:
        raise RuntimeError(f"{Path(command[-1] if command[0] == 'runuser' else command[0]).name} failed: "
                           f"{' '.join(command)}\n{done.stdout}{done.stderr}")


@contextmanager
def postgres_server() -> Iterator[Postgres]:
    """A fresh cluster in a new temporary directory (outside pytest's, which the server's account cannot
    enter): password (SCRAM) authentication over TCP on 127.0.0.1 only, with pg_stat_statements loaded so
    the leak scan can read every statement the server saw. The directory is removed afterwards."""
    bindir = postgres_bin()
    directory = Path(tempfile.mkdtemp(prefix="placements-pg-"))
    data, sockets = directory / "data", directory / "sockets"
    sockets.mkdir(exist_ok=True)
    pwfile = directory / "pwfile"
    pwfile.write_text(ADMIN_PASSWORD + "\n", encoding="utf-8")
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        for path in (directory, sockets, pwfile):
            os.chown(path, account.pw_uid, account.pw_gid)
    _run(_as_server_user([str(bindir / "initdb"), "-D", str(data), "-U", ADMIN, "--pwfile", str(pwfile),
                          "--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C"]))
    port = free_port()
    options = (f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all")
    log = directory / "server.log"
    _run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start"]))
    try:
        env = {**os.environ, "PGPASSWORD": ADMIN_PASSWORD}
        _run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", ADMIN, DATABASE], env=env)
        yield Postgres("127.0.0.1", port, ADMIN, ADMIN_PASSWORD, DATABASE, directory)
    finally:
        subprocess.run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)


@dataclass(frozen=True)
class S3:
    endpoint: str

    def environment(self) -> dict[str, str]:
        """The usual AWS settings an operator would set for an S3-compatible endpoint."""
        return {"AWS_ACCESS_KEY_ID": S3_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY,
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL_S3": self.endpoint}


@contextmanager
def s3_server() -> Iterator[S3]:
    """moto's S3 server (a real HTTP endpoint on 127.0.0.1, in a thread of the test process)."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield S3(f"http://127.0.0.1:{port}")
    finally:
        server.stop()


# Azurite's documented development account (the same in every Azurite): not a secret.
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@dataclass(frozen=True)
class Azurite:
    endpoint: str

    def environment(self) -> dict[str, str]:
        """The usual Azure setting adlfs reads."""
        return {"AZURE_STORAGE_CONNECTION_STRING": f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
                                                   f"AccountKey={AZURITE_KEY};BlobEndpoint={self.endpoint};"}


@contextmanager
def azurite_server() -> Iterator[Azurite]:
    from ingest.settings import PROJECT_ROOT

    program = PROJECT_ROOT / ".azurite" / "node_modules" / ".bin" / "azurite-blob"
    if not program.exists():
        raise RuntimeError("Azurite is not installed: run `make azurite` (npm).")
    directory = Path(tempfile.mkdtemp(prefix="placements-azurite-"))
    port = free_port()
    process = subprocess.Popen([str(program), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location",
                                str(directory), "--silent", "--skipApiVersionCheck", "--loose"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        else:
            raise RuntimeError("Azurite did not start")
        yield Azurite(f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}")
    finally:
        process.terminate()  # Azurite may hold open keep-alive connections past SIGTERM: then it is killed
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        shutil.rmtree(directory, ignore_errors=True)
