#!/usr/bin/env python3
"""Checks the benchmark floor's v2/v3 content digest against the APKs' own.

    target/release/examples/inflate_needed --show-digests < LIST > DIGESTS
    scripts/check_floor_digests.py DIGESTS

DIGESTS has one line per APK: the 64-hex SHA-256 content digest that
`examples/inflate_needed.rs --digests` computes (empty when the zip has no
end record), a space, the path. For each APK whose APK Signing Block holds a
v2 (0x7109871a) or v3 (0xf05368c0) signer with a chunked SHA-256 digest
(algorithms 0x0101, 0x0103, 0x0201, 0x0301), the computed digest must be one
of those the block carries. Prints the counts and each mismatch; an APK built
to fail (digest mismatch, damaged zip), or whose SHA-256 digest comes from a
spliced-in block that does not verify (fdroidserver issue 1128), is expected
among the mismatches.
Exit status 0 when at least one digest matched and none mismatched.
"""
import struct
import sys

SHA256_CHUNKED = {0x0101, 0x0103, 0x0201, 0x0301}
V2_V3 = {0x7109871A, 0xF05368C0}


def lp(b, o):
    """A little-endian u32 length-prefixed field at o: (bytes, next offset)."""
    n = struct.unpack_from("<I", b, o)[0]
    return b[o + 4:o + 4 + n], o + 4 + n


def block_digests(path):
    """The chunked SHA-256 digests the v2/v3 signers of the APK declare."""
    d = open(path, "rb").read()
    # The end record whose comment reaches exactly to the end of the file (as apksig finds it).
    e = next((i for i in range(len(d) - 22, max(-1, len(d) - 65558), -1)
              if d[i:i + 4] == b"PK\x05\x06" and struct.unpack_from("<H", d, i + 20)[0] == len(d) - i - 22), -1)
    if e < 0:
        return set()
    cd_off = struct.unpack_from("<I", d, e + 16)[0]
    if cd_off < 24 or d[cd_off - 16:cd_off] != b"APK Sig Block 42":
        return set()
    start = cd_off - struct.unpack_from("<Q", d, cd_off - 24)[0] - 8
    o, out = start + 8, set()
    while 0 <= o < cd_off - 24:
        ln, pair_id = struct.unpack_from("<QI", d, o)
        value, o = d[o + 12:o + 8 + ln], o + 8 + ln
        if pair_id not in V2_V3:
            continue
        signers, _ = lp(value, 0)
        so = 0
        while so < len(signers):
            signer, so = lp(signers, so)
            signed_data, _ = lp(signer, 0)
            digests, _ = lp(signed_data, 0)
            q = 0
            while q < len(digests):
                item, q = lp(digests, q)
                alg = struct.unpack_from("<I", item, 0)[0]
                if alg in SHA256_CHUNKED:
                    out.add(lp(item, 4)[0].hex())
    return out


def main():
    matched, mismatched, without = 0, [], 0
    for line in open(sys.argv[1]):
        digest, _, path = line.rstrip("\n").partition(" ")
        try:
            want = block_digests(path)
        except (struct.error, OSError):
            want = set()
        if not want:
            without += 1
        elif digest in want:
            matched += 1
        else:
            mismatched.append(path)
    print(f"{matched} match the signing block, {len(mismatched)} do not, "
          f"{without} have no v2/v3 SHA-256 digest to compare")
    for path in mismatched:
        print(f"  mismatch: {path}")
    return 0 if matched and not mismatched else 1


if __name__ == "__main__":
    sys.exit(main())
