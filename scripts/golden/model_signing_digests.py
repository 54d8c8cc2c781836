#!/usr/bin/env python3
"""Golden model-directory digests from the OpenSSF model-signing reference implementation.

Writes a deterministic model tree (nested folders, an empty file, names whose
string order differs from path-component order, a file larger than one shard)
to test/fixtures/model-tree/, then records the manifest and subject digest that
model_signing computes for it under file and shard serialization to
test/fixtures/golden/model-signing-digests.json. gatehouse's digest tests
compare against that file.

Run from the repository root inside the project virtualenv:
    .venv/bin/python scripts/golden/model_signing_digests.py
"""

import hashlib
import importlib.metadata
import json
import pathlib
import shutil

from google.protobuf import json_format
from model_signing import hashing
from model_signing._signing import signing

ROOT = pathlib.Path(__file__).resolve().parents[2]
TREE = ROOT / "test" / "fixtures" / "model-tree"
GOLDEN = ROOT / "test" / "fixtures" / "golden" / "model-signing-digests.json"
SHARD_SIZE = 1 << 20  # 1 MiB, so weights/layer-0.bin spans three shards


def stream(seed: str, size: int) -> bytes:
    """Deterministic pseudo-random bytes: SHA-256 in counter mode."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


FILES = {
    "config.json": b'{"architectures": ["TinyModel"], "hidden_size": 64}\n',
    "weights/layer-0.bin": stream("layer-0", 2 * SHARD_SIZE + 123_457),
    "weights/layer-1.bin": stream("layer-1", 300_001),
    "tokenizer/vocab.txt": b"".join(f"token{i}\n".encode() for i in range(2000)),
    "tokenizer/nested/deep/merges.txt": b"t o\nto k\ntok en\n",
    "empty.txt": b"",
    # "a.txt" sorts before "a/b" as a string but after it by path components.
    "a.txt": b"a file\n",
    "a/b": b"a nested file\n",
    "B.txt": b"upper case sorts first\n",
    "na\u00efve.txt": b"non-ASCII name\n",
    # Ignored by default: git metadata and the conventional signature file.
    ".gitignore": b"*.tmp\n",
    ".github/workflow.yml": b"on: push\n",
    "model.sig": b"not a signature, but ignored by name\n",
}


def write_tree() -> None:
    if TREE.exists():
        shutil.rmtree(TREE)
    for name, content in FILES.items():
        path = TREE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def describe(config: hashing.Config) -> dict:
    manifest = config.hash(TREE)
    payload = signing.Payload(manifest)
    statement = json_format.MessageToDict(payload.statement.pb)
    return {
        "serialization": manifest.serialization_type,
        "digest": statement["subject"][0]["digest"]["sha256"],
        "resources": [
            {"name": r["name"], "digest": r["digest"]} for r in statement["predicate"]["resources"]
        ],
    }


def main() -> None:
    write_tree()
    files = hashing.Config().set_ignored_paths(paths=[TREE / "model.sig"], ignore_git_paths=True)
    shards = (
        hashing.Config()
        .use_shard_serialization(shard_size=SHARD_SIZE)
        .set_ignored_paths(paths=[TREE / "model.sig"], ignore_git_paths=True)
    )
    golden = {
        "generator": f"model-signing {importlib.metadata.version('model-signing')} via scripts/golden/model_signing_digests.py",
        "tree": "test/fixtures/model-tree",
        "shardSize": SHARD_SIZE,
        "files": describe(files),
        "shards": describe(shards),
    }
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_text(json.dumps(golden, indent=2) + "\n")
    print(f"wrote {GOLDEN.relative_to(ROOT)}: files {golden['files']['digest']}, shards {golden['shards']['digest']}")


if __name__ == "__main__":
    main()
