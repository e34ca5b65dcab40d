/*
 * ps-decoder: a long-lived PocketSphinx decoder driven over stdin/stdout.
 *
 * Loading the en-us acoustic model, the 27 MB trigram LM and the 134k-word
 * dictionary costs far more than decoding a short segment, so the model is
 * loaded once and the process then serves requests until told to stop.
 *
 * Protocol (all requests on stdin, all replies on stdout, one JSON line each):
 *   - after start-up:  {"ready":true,"load_ms":N}   or {"error":"..."} + exit 1
 *   - request:         u32 little-endian byte length N, then N bytes of
 *                      s16le mono PCM at 16 kHz (the model's sample rate)
 *   - reply:           {"words":[{"text":..,"start":..,"end":..,"confidence":..}],
 *                       "text":"...","duration":S}   or {"error":"..."}
 *   - N == 0 or EOF:   exit 0
 * The ready line lets the caller tell a model-load failure from a decode
 * failure and measure load time; it is the only unsolicited line.
 *
 * Usage: ps-decoder [pocketsphinx options...]   e.g. -hmm DIR -lm FILE -dict FILE
 * Options given on the command line override the built-in defaults.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <sphinxbase/logmath.h>

#define DEFAULT_MODEL_DIR "/usr/share/pocketsphinx/model/en-us"

/* Above this the length prefix is more likely corruption than audio (2.3 h at
 * 16 kHz); since the stream can no longer be trusted, we reply and exit. */
#define MAX_REQUEST_BYTES (256u * 1024u * 1024u)

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* Short reads are normal on pipes, so loop until the buffer is full. */
static int read_full(void *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        size_t r = fread((char *)buf + got, 1, n - got, stdin);
        if (r == 0) return ferror(stdin) ? -1 : 0;
        got += r;
    }
    return 1;
}

static void json_string(FILE *out, const char *s) {
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20) fprintf(out, "\\u%04x", *p);
            else fputc(*p, out);
        }
    }
    fputc('"', out);
}

static void reply_error(const char *msg) {
    fputs("{\"error\":", stdout);
    json_string(stdout, msg);
    fputs("}\n", stdout);
    fflush(stdout);
}

/* Fillers from the noise dictionary (<s>, </s>, <sil>, [NOISE], [SPEECH]) and
 * the ++XXX++ style used by other models are not words of the transcript. */
static int is_filler(const char *w) {
    return w[0] == '<' || w[0] == '[' || w[0] == '+' || w[0] == '\0';
}

/* "read(2)" names the second pronunciation of "read"; callers want "read". */
static void strip_alt_suffix(char *w) {
    size_t n = strlen(w);
    if (n < 3 || w[n - 1] != ')') return;
    size_t i = n - 2;
    while (i > 0 && w[i] >= '0' && w[i] <= '9') i--;
    if (i < n - 2 && i > 0 && w[i] == '(') w[i] = '\0';
}

static int file_exists(const char *path, int want_dir) {
    struct stat st;
    if (stat(path, &st) != 0) return 0;
    return want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode);
}

static int has_arg(int argc, char **argv, const char *name) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0) return 1;
    return 0;
}

static void decode(ps_decoder_t *ps, logmath_t *lmath, double frate,
                   const int16 *samples, size_t nsamples) {
    if (ps_start_utt(ps) < 0) { reply_error("ps_start_utt failed"); return; }
    /* full_utt=TRUE: the whole segment is one utterance, which lets batch CMN
     * (the model's -cmn batch) normalise over all of it. */
    if (nsamples > 0 && ps_process_raw(ps, samples, nsamples, FALSE, TRUE) < 0) {
        ps_end_utt(ps);
        reply_error("ps_process_raw failed");
        return;
    }
    if (ps_end_utt(ps) < 0) { reply_error("ps_end_utt failed"); return; }

    /* The text is rebuilt from the kept segments rather than ps_get_hyp() so
     * that it always matches the word list (same filler/suffix handling). */
    size_t text_cap = 256, text_len = 0;
    char *text = malloc(text_cap);
    if (!text) { reply_error("out of memory"); return; }
    text[0] = '\0';

    fputs("{\"words\":[", stdout);
    int first = 1;
    for (ps_seg_t *seg = ps_seg_iter(ps); seg; seg = ps_seg_next(seg)) {
        const char *raw = ps_seg_word(seg);
        if (!raw || is_filler(raw)) continue;
        char word[256];
        snprintf(word, sizeof word, "%s", raw);
        strip_alt_suffix(word);
        if (word[0] == '\0') continue;

        int sf = 0, ef = 0;
        ps_seg_frames(seg, &sf, &ef);
        int32 ascr = 0, lscr = 0, lback = 0;
        int32 post = ps_seg_prob(seg, &ascr, &lscr, &lback);
        /* Posterior from the bestpath lattice (-bestpath yes, the default).
         * Without a lattice PocketSphinx reports 0 (= probability 1.0), so a
         * confidence of exactly 1 means "unknown" more often than "certain". */
        double conf = logmath_exp(lmath, post);
        if (!(conf >= 0.0)) conf = 0.0;
        if (conf > 1.0) conf = 1.0;

        if (!first) fputc(',', stdout);
        first = 0;
        fputs("{\"text\":", stdout);
        json_string(stdout, word);
        /* Frames are inclusive, so the word ends after frame ef. */
        fprintf(stdout, ",\"start\":%.3f,\"end\":%.3f,\"confidence\":%.4f}",
                sf / frate, (ef + 1) / frate, conf);

        size_t wl = strlen(word);
        if (text_len + wl + 2 > text_cap) {
            while (text_len + wl + 2 > text_cap) text_cap *= 2;
            char *grown = realloc(text, text_cap);
            if (!grown) { free(text); fputs("],\"text\":\"\"}\n", stdout); fflush(stdout); return; }
            text = grown;
        }
        if (text_len > 0) text[text_len++] = ' ';
        memcpy(text + text_len, word, wl + 1);
        text_len += wl;
    }
    fputs("],\"text\":", stdout);
    json_string(stdout, text);
    fprintf(stdout, ",\"duration\":%.3f}\n", nsamples / 16000.0);
    fflush(stdout);
    free(text);
}

int main(int argc, char **argv) {
    double t0 = now_ms();
    const char *model_dir = getenv("PS_MODEL_DIR");
    if (!model_dir || !*model_dir) model_dir = DEFAULT_MODEL_DIR;
    char hmm[1024], lm[1024], dict[1024];
    snprintf(hmm, sizeof hmm, "%s/en-us", model_dir);
    snprintf(lm, sizeof lm, "%s/en-us.lm.bin", model_dir);
    snprintf(dict, sizeof dict, "%s/cmudict-en-us.dict", model_dir);

    /* cmd_ln prints the whole configuration to stderr while parsing, before
     * -logfn takes effect; silence it unless the caller asked for a log. */
    int user_log = has_arg(argc, argv, "-logfn");
    if (!user_log) err_set_logfp(NULL);

    /* Defaults only for options the caller did not give; room for all six
     * default pairs plus the caller's arguments. */
    char **args = calloc((size_t)argc + 13, sizeof *args);
    if (!args) { reply_error("out of memory"); return 1; }
    int n = 0;
    if (!has_arg(argc, argv, "-hmm")) { args[n++] = "-hmm"; args[n++] = hmm; }
    if (!has_arg(argc, argv, "-lm")) { args[n++] = "-lm"; args[n++] = lm; }
    if (!has_arg(argc, argv, "-dict")) { args[n++] = "-dict"; args[n++] = dict; }
    if (!user_log) { args[n++] = "-logfn"; args[n++] = "/dev/null"; }
    /* The front end's VAD (-remove_silence) drops non-speech frames, which
     * shifts every later timestamp by the silence removed; and its spectral
     * noise tracker (-remove_noise) carries state from one request into the
     * next, so results would depend on what was decoded before. Both off:
     * segments are independent and timestamps are audio positions. */
    if (!has_arg(argc, argv, "-remove_silence")) { args[n++] = "-remove_silence"; args[n++] = "no"; }
    if (!has_arg(argc, argv, "-remove_noise")) { args[n++] = "-remove_noise"; args[n++] = "no"; }
    for (int i = 1; i < argc; i++) args[n++] = argv[i];

    cmd_ln_t *config = cmd_ln_parse_r(NULL, ps_args(), n, args, TRUE);
    if (!config) { reply_error("invalid decoder arguments"); free(args); return 1; }

    /* ps_init only says "failed"; name the missing file instead. */
    const char *chk_hmm = cmd_ln_str_r(config, "-hmm");
    const char *chk_lm = cmd_ln_str_r(config, "-lm");
    const char *chk_dict = cmd_ln_str_r(config, "-dict");
    char msg[1200];
    if (chk_hmm && !file_exists(chk_hmm, 1)) {
        snprintf(msg, sizeof msg, "acoustic model directory not found: %s", chk_hmm);
        reply_error(msg); return 1;
    }
    if (chk_lm && !file_exists(chk_lm, 0)) {
        snprintf(msg, sizeof msg, "language model not found: %s", chk_lm);
        reply_error(msg); return 1;
    }
    if (chk_dict && !file_exists(chk_dict, 0)) {
        snprintf(msg, sizeof msg, "dictionary not found: %s", chk_dict);
        reply_error(msg); return 1;
    }

    ps_decoder_t *ps = ps_init(config);
    if (!ps) { reply_error("ps_init failed (model files unreadable or incompatible)"); return 1; }
    logmath_t *lmath = ps_get_logmath(ps);
    double frate = cmd_ln_int32_r(config, "-frate");
    if (frate <= 0) frate = 100;
    double srate = cmd_ln_float32_r(config, "-samprate");
    if (srate != 16000.0) { reply_error("decoder must run at -samprate 16000"); return 1; }

    fprintf(stdout, "{\"ready\":true,\"load_ms\":%.0f}\n", now_ms() - t0);
    fflush(stdout);

    int16 *samples = NULL;
    size_t cap = 0;
    int rc = 0;
    for (;;) {
        unsigned char hdr[4];
        int r = read_full(hdr, 4);
        if (r <= 0) { rc = r < 0 ? 2 : 0; break; }
        uint32_t len = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 |
                       (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
        if (len == 0) break;
        if (len > MAX_REQUEST_BYTES) {
            snprintf(msg, sizeof msg, "request of %u bytes exceeds limit of %u", len, MAX_REQUEST_BYTES);
            reply_error(msg);
            rc = 3;
            break;
        }
        if (len > cap) {
            unsigned char *grown = realloc(samples, len);
            if (!grown) { reply_error("out of memory"); rc = 4; break; }
            samples = (int16 *)grown;
            cap = len;
        }
        unsigned char *bytes = (unsigned char *)samples;
        r = read_full(bytes, len);
        if (r <= 0) { rc = 2; break; }
        if (len % 2 != 0) { reply_error("PCM byte length must be even (s16le)"); continue; }
        size_t ns = len / 2;
        /* Wire format is little-endian regardless of host byte order.
         * Digital silence (runs of exact zeros, common in padded or synthetic
         * audio) gives log(0) energies that the model hallucinates words in.
         * The built-in -dither draws from a process-global RNG, so a persistent
         * decoder would not reproduce a one-shot one; instead add +-1 LSB from a
         * generator reseeded per request. */
        uint32_t rng = 0x9e3779b9u;
        for (size_t i = 0; i < ns; i++) {
            int32_t v = (int16)((uint16_t)bytes[2 * i] | (uint16_t)bytes[2 * i + 1] << 8);
            rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5;
            v += (int32_t)(rng % 3u) - 1;
            if (v > 32767) v = 32767;
            if (v < -32768) v = -32768;
            samples[i] = (int16)v;
        }
        decode(ps, lmath, frate, samples, ns);
    }
    free(samples);
    ps_free(ps);
    cmd_ln_free_r(config);
    free(args);
    return rc;
}
