"""whisper_decoder: a long-lived faster-whisper decoder driven over stdin/stdout.

Importing faster-whisper and loading a model costs seconds and hundreds of MB,
far more than decoding one segment, so the model is loaded once and the process
then serves requests until told to stop. It never downloads anything: the model
is a local directory, and the bundled ones (whisper_models.py) and a directory
given with its model.bin's sha256 are checked against those hashes first.

Protocol (all requests on stdin, all replies on stdout, one JSON line each):
  - after start-up: {"ready":true,"load_ms":N,"model":..,"multilingual":..,
                     "device":..,"compute_type":..,"threads":N}
                    or {"error":"...","class":"config"} and exit 1
  - request:        u32 little-endian byte length N, then N bytes of UTF-8 JSON
                    options ({"language":"en"} or {"language":null} to detect),
                    then u32 little-endian byte length M and M bytes of s16le
                    mono PCM at 16 kHz
  - reply:          {"words":[{"text":..,"start":..,"end":..,"confidence":..}],
                     "text":"...","language":"en","duration":S}
                    or {"error":"...","class":"decode"|"engine"}
  - N == 0 or EOF:  exit 0
The framing is ps-decoder's (native/ps-decoder.c) with an options frame before
each PCM frame, so the exit frame is the same four zero bytes. "decode" errors
are about the request and would recur on the same audio; "engine" errors are
about this process (out of memory, a broken runtime) and the caller replaces it.

Usage: whisper_decoder.py --model tiny.en|base|DIR [--model-sha256 HEX]
                          [--device auto|cpu|cuda] [--threads N]
"""

import time

STARTED = time.monotonic()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

import whisper_models  # noqa: E402  (beside this script, so on sys.path)

# Mirrors MAX_DECODER_REQUEST_BYTES in decoder-protocol.ts (about 2.3 h of audio).
MAX_REQUEST_BYTES = 256 * 1024 * 1024
MAX_OPTIONS_BYTES = 64 * 1024
SAMPLE_RATE = 16_000

# A model directory must hold these; without tokenizer.json faster-whisper
# would fetch one from the hub.
REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")

# Whisper's no-speech probability is taken at the start of each 30 s window.
# faster-whisper only skips a window when it is high AND the text is unlikely
# (avg logprob < -1); on noise that slips past the VAD the text can be likely
# enough, so a window this sure of no speech is dropped whatever its text.
NO_SPEECH_DROP = 0.6
# Greedy first; hotter retries only when the output looks like a loop or is
# improbable (faster-whisper's compression-ratio and logprob checks).
TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
# Languages whose words faster-whisper splits without spaces; elsewhere a word
# that does not start with a space continues the previous one ("cold" "-hearted").
UNSPACED_LANGUAGES = {"zh", "ja", "th", "lo", "my", "yue"}
# Sampling at temperature > 0 draws from CTranslate2's RNG, reseeded per request
# so that the same audio gives the same words in any decoder, whatever it decoded before.
SEED = 0x5EED


class DecoderFailure(Exception):
    def __init__(self, message, error_class):
        super().__init__(message)
        self.error_class = error_class


def write_line(out, obj):
    out.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
    out.flush()


def resolve_model_dir(model, model_sha256=None):
    """The directory to load, its files checked against the pinned hashes (the
    bundled models' own, or model_sha256 for model.bin of a directory given);
    raises DecoderFailure("config") naming the setting."""
    if model in whisper_models.BUNDLED_SHA256:
        if model_sha256 is not None:
            raise DecoderFailure(
                f"LINGOSTREAM_WHISPER_MODEL_SHA256 applies to a model directory; the bundled {model} "
                "is checked against its own pinned hashes (unset one of the two)",
                "config",
            )
        try:
            model_dir = whisper_models.bundled_dir(model)
        except (ImportError, FileNotFoundError) as err:
            raise DecoderFailure(
                f"the bundled {model} model ({whisper_models.BUNDLED_PACKAGES[model]}) is not installed "
                f"in this Python ({err}); rebuild the venv with processors/asr/python/ensure-venv.sh "
                "or set LINGOSTREAM_WHISPER_MODEL to a model directory",
                "config",
            ) from err
        try:
            whisper_models.verify(model_dir, whisper_models.BUNDLED_SHA256[model])
        except whisper_models.ModelMismatch as err:
            raise DecoderFailure(
                f"bundled {model} file {err}; refusing to load it "
                f"(delete {sys.prefix} and run processors/asr/python/ensure-venv.sh again)",
                "config",
            ) from err
        return model_dir
    names = ", ".join(whisper_models.BUNDLED_SHA256)
    if not os.path.isdir(model):
        raise DecoderFailure(
            f'LINGOSTREAM_WHISPER_MODEL="{model}" is neither a bundled model ({names}) nor a directory; '
            "point it at a CTranslate2 Whisper model directory (models are never downloaded)",
            "config",
        )
    missing = [name for name in REQUIRED_FILES if not os.path.isfile(os.path.join(model, name))]
    if missing:
        raise DecoderFailure(
            f'LINGOSTREAM_WHISPER_MODEL="{model}" is not a CTranslate2 Whisper model directory: '
            f"missing {', '.join(missing)}",
            "config",
        )
    if model_sha256 is not None:
        try:
            whisper_models.verify(model, {"model.bin": model_sha256})
        except whisper_models.ModelMismatch as err:
            raise DecoderFailure(
                f"model file {err} (LINGOSTREAM_WHISPER_MODEL_SHA256); refusing to load it",
                "config",
            ) from err
    return model


def pick_device(requested):
    import ctranslate2

    device = requested
    if requested == "auto":
        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    elif requested == "cuda" and ctranslate2.get_cuda_device_count() == 0:
        raise DecoderFailure(
            "LINGOSTREAM_WHISPER_DEVICE=cuda but CTranslate2 sees no CUDA device", "config"
        )
    if device == "cuda":
        return device, "float16"
    supported = ctranslate2.get_supported_compute_types("cpu")
    return device, "int8" if "int8" in supported else "float32"


def load(args):
    model_dir = resolve_model_dir(args.model, args.model_sha256)
    device, compute_type = pick_device(args.device)
    from faster_whisper import WhisperModel
    from faster_whisper.vad import get_vad_model

    try:
        model = WhisperModel(
            model_dir,
            device=device,
            compute_type=compute_type,
            cpu_threads=args.threads,
            num_workers=1,
            local_files_only=True,
        )
    except Exception as err:  # CTranslate2 reports unreadable or foreign files as RuntimeError
        raise DecoderFailure(
            f'cannot load the whisper model from {model_dir} (LINGOSTREAM_WHISPER_MODEL="{args.model}"): {err}',
            "config",
        ) from err
    # The Silero VAD session is built on first use; build it now so that the
    # first segment does not pay for it and load_ms tells the whole cost.
    get_vad_model()
    return model, device, compute_type


def read_exact(stream, n):
    """n bytes, or None at EOF before the first byte; a short read mid-frame is an error."""
    chunks = []
    got = 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            if got == 0:
                return None
            raise EOFError(f"stdin closed {got} bytes into a {n}-byte frame")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_frame_length(stream):
    header = read_exact(stream, 4)
    return None if header is None else int.from_bytes(header, "little")


def resolve_language(model, requested):
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    if requested is None:
        return None if model.model.is_multilingual else "en"
    if not isinstance(requested, str):
        raise DecoderFailure(f"language must be a string or null, got {requested!r}", "decode")
    if not model.model.is_multilingual:
        if requested != "en":
            raise DecoderFailure(
                f'the whisper model is English-only and cannot transcribe language "{requested}"; '
                "set LINGOSTREAM_WHISPER_MODEL to base or a multilingual model directory to serve other languages",
                "decode",
            )
        return "en"
    if requested not in _LANGUAGE_CODES:
        raise DecoderFailure(f'whisper has no language "{requested}"', "decode")
    return requested


def collect_words(segments, language, duration):
    """Reply words from faster-whisper's segments: windows sure of no speech
    dropped, pieces of one written word joined, times clamped into the audio."""
    glue = language not in UNSPACED_LANGUAGES
    words = []
    for segment in segments:
        if segment.no_speech_prob >= NO_SPEECH_DROP:
            continue
        first = True
        for word in segment.words or ():
            text = word.word.strip()
            if not text:
                continue
            start = min(max(float(word.start), 0.0), duration)
            end = min(max(float(word.end), start), duration)
            confidence = min(max(float(word.probability), 0.0), 1.0)
            if glue and not first and not word.word[:1].isspace():
                previous = words[-1]
                previous["text"] += text
                previous["end"] = round(max(end, previous["end"]), 3)
                # A word is only as sure as its least sure piece.
                previous["confidence"] = min(previous["confidence"], round(confidence, 4))
                continue
            first = False
            words.append({"text": text, "start": round(start, 3), "end": round(end, 3), "confidence": round(confidence, 4)})
    return words


def transcribe(model, pcm, language):
    import ctranslate2
    import numpy as np

    duration = len(pcm) / 2 / SAMPLE_RATE
    if not pcm:
        # Nothing to detect a language in: "und", BCP 47's undetermined.
        return {"words": [], "text": "", "language": language or "und", "duration": 0}
    audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    ctranslate2.set_random_seed(SEED)
    segments, info = model.transcribe(
        audio,
        language=language,
        beam_size=1,
        best_of=1,
        temperature=list(TEMPERATURES),
        word_timestamps=True,
        vad_filter=True,
        condition_on_previous_text=False,
    )
    words = collect_words(segments, info.language, duration)
    return {
        "words": words,
        "text": " ".join(w["text"] for w in words),
        "language": info.language,
        "duration": round(duration, 3),
    }


def serve(model, stdin, out):
    while True:
        options_length = read_frame_length(stdin)
        if options_length is None or options_length == 0:
            return 0
        if options_length > MAX_OPTIONS_BYTES:
            write_line(out, {"error": f"options frame of {options_length} bytes exceeds {MAX_OPTIONS_BYTES}", "class": "engine"})
            return 3
        raw_options = read_exact(stdin, options_length)
        pcm_length = read_frame_length(stdin)
        if raw_options is None or pcm_length is None:
            return 2
        if pcm_length > MAX_REQUEST_BYTES:
            # The stream can no longer be trusted: reply and exit.
            write_line(out, {"error": f"request of {pcm_length} bytes exceeds limit of {MAX_REQUEST_BYTES}", "class": "engine"})
            return 3
        pcm = read_exact(stdin, pcm_length) if pcm_length else b""
        if pcm is None:
            return 2
        try:
            if pcm_length % 2 != 0:
                raise DecoderFailure("PCM byte length must be even (s16le)", "decode")
            try:
                options = json.loads(raw_options)
            except ValueError as err:
                raise DecoderFailure(f"options are not JSON: {err}", "decode") from err
            if not isinstance(options, dict):
                raise DecoderFailure("options must be a JSON object", "decode")
            language = resolve_language(model, options.get("language"))
            write_line(out, transcribe(model, pcm, language))
        except DecoderFailure as err:
            write_line(out, {"error": str(err), "class": err.error_class})
        except (MemoryError, RuntimeError) as err:
            # Out of memory or a failing runtime: this process is suspect.
            write_line(out, {"error": f"{type(err).__name__}: {err}", "class": "engine"})
        except Exception as err:  # anything else is about this audio and would recur on it
            write_line(out, {"error": f"{type(err).__name__}: {err}", "class": "decode"})


def main():
    parser = argparse.ArgumentParser(description="faster-whisper decoder over stdin/stdout")
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--model-sha256", default=None, type=str.lower)
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    # Replies need a stdout that nothing else writes to: keep a private copy of
    # it and point fd 1 at stderr, so a stray print or a native library's
    # message cannot break a reply line.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    stdin = sys.stdin.buffer

    try:
        model, device, compute_type = load(args)
    except DecoderFailure as err:
        write_line(out, {"error": str(err), "class": err.error_class})
        return 1
    except Exception as err:  # a broken install: missing or incompatible packages
        write_line(out, {"error": f"cannot start faster-whisper: {type(err).__name__}: {err}", "class": "config"})
        return 1
    write_line(
        out,
        {
            "ready": True,
            "load_ms": round((time.monotonic() - STARTED) * 1000),
            "model": args.model,
            "multilingual": bool(model.model.is_multilingual),
            "device": device,
            "compute_type": compute_type,
            "threads": args.threads,
        },
    )
    try:
        return serve(model, stdin, out)
    except EOFError:
        return 2


if __name__ == "__main__":
    sys.exit(main())
