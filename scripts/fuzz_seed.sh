#!/bin/sh
# Builds the fuzz seeds (fuzz/corpus/<target>/, git-ignored) from corpus/ and
# ../shared/corpus/real: whole small APKs, and the manifests, resource tables,
# DEX files, native libraries, v1 manifests, .SF files, v1 signature blocks
# and signing-block tails inside them; and for ec_verify, inputs made from a
# hash chain (each curve, each way of tampering, digests of 20-66 bytes);
# for lean_json, the database's files of entries, whole, cut and rewritten;
# for pattern_match, the database's anchored patterns with texts; for modpow,
# moduli of 8-4096 bits from a hash chain with RSA's and DSA's exponents.
# Nothing here is committed.
set -eu
cd "$(dirname "$0")/.."
exec python3 - "$@" <<'PY'
import hashlib, os, struct, sys, zipfile, io
out = "fuzz/corpus"
roots = ["corpus", "../shared/corpus/real"]
targets = ["zip_directory", "apk", "axml", "arsc", "dex", "sigblock", "pkcs7_x509", "elf", "jar_manifest", "ec_verify", "lean_json", "pattern_match", "modpow"]
for t in targets:
    os.makedirs(os.path.join(out, t), exist_ok=True)
count = {t: 0 for t in targets}
LIMIT = 400
def put(t, data, cap=256 * 1024):
    if not data or len(data) > cap or count[t] >= LIMIT:
        return
    h = hashlib.sha1(data).hexdigest()
    p = os.path.join(out, t, h)
    if not os.path.exists(p):
        open(p, "wb").write(data)
        count[t] += 1
def sig_tail(data):
    i = data.rfind(b"PK\x05\x06")
    if i < 0 or i + 22 > len(data):
        return None
    cd = struct.unpack_from("<I", data, i + 16)[0]
    if cd > len(data):
        return None
    return data[max(0, cd - 65536):cd]
files = []
for r in roots:
    for d, _, fs in os.walk(r):
        for f in sorted(fs):
            files.append(os.path.join(d, f))
for path in sorted(files):
    try:
        data = open(path, "rb").read()
    except OSError:
        continue
    if data[:4] == b"dex\n":
        put("dex", data)
    if data[:4] == b"\x7fELF":
        put("elf", data)
    if data[:4] == b"\x03\x00\x08\x00":
        put("axml", data)
    if b"PK\x05\x06" not in data[-70000:]:
        continue
    put("zip_directory", data, 512 * 1024)
    put("apk", data, 512 * 1024)
    t = sig_tail(data)
    if t:
        put("sigblock", t)
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()[:2000]
    except Exception:
        continue
    for info in infos:
        n = info.filename
        if info.file_size > 256 * 1024:
            continue
        try:
            b = z.read(info)
        except Exception:
            continue
        if n == "AndroidManifest.xml" or (n.startswith("res/xml/") and b[:2] == b"\x03\x00"):
            put("axml", b)
        elif n == "resources.arsc":
            put("arsc", b)
        elif b[:4] == b"dex\n":
            put("dex", b)
        elif b[:4] == b"\x7fELF":
            put("elf", b)
        elif n.startswith("META-INF/") and n.upper().endswith((".RSA", ".DSA", ".EC")):
            put("pkcs7_x509", b)
        elif n == "META-INF/MANIFEST.MF" or (n.startswith("META-INF/") and n.upper().endswith(".SF")):
            put("jar_manifest", b)
# ec_verify: curve, how, key and nonce (66 bytes each, as much as P-521 takes),
# digest length and digest, then 132 bytes for r and s.
def chain(seed, n):
    out, h = b"", seed
    while len(out) < n:
        h = hashlib.sha512(h).digest()
        out += h
    return out[:n]
for curve in range(3):
    for how in range(5):
        for dlen in (20, 32, 48, 64, 66):
            body = chain(bytes([curve, how, dlen]), 66 + 66 + dlen + 132)
            put("ec_verify", bytes([curve, how]) + body[:132] + bytes([dlen]) + body[132:])
# lean_json: each database file of entries (its kind first), whole and cut
# down to its first entries, and with its references and notes rewritten.
import json
for kind, name in enumerate(["sdks.json", "clouds.json", "publishers.json"]):
    raw = open(os.path.join("signatures", name), "rb").read()
    put("lean_json", bytes([kind]) + raw, cap=1 << 20)
    doc = json.loads(raw)
    key = [k for k, v in doc.items() if isinstance(v, list)][0]
    for n in (1, 2, 5):
        small = dict(doc, **{key: doc[key][:n]})
        put("lean_json", bytes([kind]) + json.dumps(small, indent=2, ensure_ascii=False).encode())
        put("lean_json", bytes([kind]) + json.dumps(small, ensure_ascii=True).encode())
    one = dict(doc[key][0])
    for refs, notes in ((["x"], None), ([{"ref": "\\u00e9", "url": 1}], 3), ([], "a\u0000b"), ([{"ref": "r", "ref2": "r"}], None)):
        e = dict(one, references=refs)
        if notes is not None:
            e["notes"] = notes
        put("lean_json", bytes([kind]) + json.dumps(dict(doc, **{key: [e]})).encode())
# pattern_match: every anchored pattern of the database, a NUL, then texts
# it matches and texts close to them.
sdks = json.load(open("signatures/sdks.json"))["sdks"]
pats = [p for s in sdks for k in ("native_lib_patterns", "component_patterns", "domain_patterns")
        for p in s["markers"].get(k, [])]
texts = ["libsgmainso-6.4.so", "com.bytedance.mira.stub.p12.StubService3", "a.adsmogo.com", "adsmogo.co.uk",
         "mst12.is.autonavi.com", "nisx.10010.com", "com.x.wxapi.WXEntryActivity", "libjpush217.so", "x\ny", ""]
for p in pats:
    for t in texts:
        put("pattern_match", (p + "\0" + t).encode())
# modpow: sizes (modulus/2, base/4, exponent, [0x80 | second base/8], second
# exponent), then the numbers: RSA (e = 65537) and DSA-like (two bases,
# 256-bit exponents) on odd moduli with the top bit set.
chain = hashlib.sha512(b"modpow").digest()
def stream(n):
    global chain
    out = b""
    while len(out) < n:
        chain = hashlib.sha512(chain).digest()
        out += chain
    return out[:n]
for nb in (1, 8, 16, 64, 128, 256, 384, 512):
    half = min(255, max(1, nb // 2))
    n = bytearray(stream(half * 2))
    n[0] |= 0x80
    n[-1] |= 1
    base_len = max(1, nb // 4) * 4
    put("modpow", bytes([half, base_len // 4, 3, 0, 0]) + bytes(n) + stream(base_len) + b"\x01\x00\x01")
    b2_len = max(1, nb // 8) * 8
    put("modpow", bytes([half, base_len // 4, 32, 0x80 | min(0x7F, b2_len // 8), 32])
        + bytes(n) + stream(base_len) + stream(32) + stream(b2_len) + stream(32))
for t in targets:
    print(f"{t}: {count[t]} new seeds")
PY
