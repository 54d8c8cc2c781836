#!/usr/bin/env python3
"""Golden model-directory digests from the OpenSSF model-signing reference implementation.

Writes a deterministic model tree (nested folders, an empty file, names whose
string order differs from path-component order, a file larger than one shard)
to test/fixtures/model-tree/, then records the manifest and subject digest that
model_signing computes for it under file and shard serialization to
test/fixtures/golden/model-signing-digests.json. gatehouse's digest tests
compare against that file.

A second tree, NAMES, is built in a temporary directory and recorded in the
same file with its contents: names whose code-point order differs from UTF-16
order (characters above U+FFFF beside U+E000-U+FFFF), and names that start
like an ignored path but are not one (model.sig.bak, .gitx, .github-notes).
It lives only in the golden file because such names are awkward in a checkout.

Run from the repository root inside the project virtualenv:
    .venv/bin/python scripts/golden/model_signing_digests.py
"""

import hashlib
import importlib.metadata
import json
import pathlib
import shutil
import tempfile

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


# In UTF-16 code units a character above U+FFFF (a surrogate pair, D800-DFFF)
# sorts before U+E000-U+FFFF; by code point, as model-signing sorts, after.
NAMES = {
    "x\U0001F600.txt": "grinning face, U+1F600\n",
    "x\U00010000.txt": "U+10000, the first code point above U+FFFF\n",
    "x\uE000.txt": "U+E000, the first private-use code point\n",
    "x\uFB01.txt": "U+FB01, the fi ligature\n",
    "x\uFFFD.txt": "U+FFFD, the replacement character\n",
    "x.txt": "a shorter name with the same start\n",
    "d\U0001F600/w.bin": "a folder name above U+FFFF\n",
    "d\uFFFD/w.bin": "a folder name below it\n",
    "d\U0001F600.bin": "a file beside that folder\n",
    # Named like ignored paths, but not them: part of the digest.
    "model.sig.bak": "a backup of a signature is still a file of the model\n",
    ".gitx": "not git metadata\n",
    ".github-notes": "not the .github folder\n",
    "sub/model.sig": "model.sig below the root is not the signature\n",
    # Ignored: git metadata and the signature at the root.
    "model.sig": "the signature, ignored by name\n",
    ".github/workflow.yml": "on: push\n",
    ".gitignore": "*.tmp\n",
    ".gitattributes": "* text=auto\n",
    ".git/config": "[core]\n",
}


def write_tree(tree: pathlib.Path, files: dict) -> None:
    if tree.exists():
        shutil.rmtree(tree)
    for name, content in files.items():
        path = tree / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())


def files_config(tree: pathlib.Path) -> hashing.Config:
    return hashing.Config().set_ignored_paths(paths=[tree / "model.sig"], ignore_git_paths=True)


def describe(config: hashing.Config, tree: pathlib.Path = TREE) -> dict:
    manifest = config.hash(tree)
    payload = signing.Payload(manifest)
    statement = json_format.MessageToDict(payload.statement.pb)
    serialization = dict(manifest.serialization_type)
    # model-signing keeps ignored paths in a set: sorted, the file is the same on every run.
    serialization["ignore_paths"] = sorted(serialization.get("ignore_paths", []))
    return {
        "serialization": serialization,
        "digest": statement["subject"][0]["digest"]["sha256"],
        "resources": [
            {"name": r["name"], "digest": r["digest"]} for r in statement["predicate"]["resources"]
        ],
    }


def main() -> None:
    write_tree(TREE, FILES)
    files = files_config(TREE)
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
    with tempfile.TemporaryDirectory() as temporary:
        names = pathlib.Path(temporary) / "names"
        write_tree(names, NAMES)
        golden["names"] = {"tree": NAMES, "files": describe(files_config(names), names)}
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_text(json.dumps(golden, indent=2) + "\n")
    print(
        f"wrote {GOLDEN.relative_to(ROOT)}: files {golden['files']['digest']}, shards {golden['shards']['digest']},"
        f" names {golden['names']['files']['digest']}"
    )


if __name__ == "__main__":
    main()
