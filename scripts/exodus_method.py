#!/usr/bin/env python3
"""The Exodus Privacy tracker-detection method, re-implemented for the benchmark.

    exodus_method.py SIGNATURES_JSON APK

As exodus-core does it (shared/reference/anchors.md): unzip every *.dex entry
to a temporary folder, run Debian's `dexdump` on each, collect every type name
in the dump with the regex [A-Z]+((?:\\w+\\/)+\\w+), then `search` each
tracker's code signature against every name: O(trackers x names). Signatures
of 3 characters or fewer are skipped, as Exodus does. Prints the number of
names and the ids of the trackers found.

SIGNATURES_JSON is either Exodus's own tracker list (`{"trackers": {ID:
{"code_signature": REGEX, ...}}}`, the form of its reports API and of the copy
MobSF ships as `mobsf/signatures/exodus_trackers`; each `code_signature`
compiled as it is, as exodus-core does), or cleanscan's `signatures/sdks.json`
(one alternation of class prefixes per SDK, dots left unescaped as in Exodus's
database).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

CLASS_RE = re.compile(r"[A-Z]+((?:\w+\/)+\w+)")


def signatures(path):
    with open(path, encoding="utf-8") as f:
        db = json.load(f)
    out = []
    if "trackers" in db:
        for tracker_id, tracker in db["trackers"].items():
            sig = tracker.get("code_signature") or ""
            if len(sig) > 3:
                out.append((str(tracker.get("id", tracker_id)), re.compile(sig)))
        return out
    for sdk in db["sdks"]:
        prefixes = sdk.get("markers", {}).get("class_prefixes", [])
        sig = "|".join(p.rstrip(".") for p in prefixes)
        if len(sig) > 3:
            out.append((sdk["id"], re.compile(sig)))
    return out


def embedded_classes(apk, tmp):
    names = set()
    with zipfile.ZipFile(apk) as z:
        dexes = [i for i in z.infolist() if i.filename.endswith(".dex")]
        for n, info in enumerate(dexes):
            path = os.path.join(tmp, f"{n}.dex")
            with open(path, "wb") as f:
                f.write(z.read(info))
            dump = subprocess.run(["dexdump", path], capture_output=True, text=True, errors="replace").stdout
            names.update(CLASS_RE.findall(dump))
    return names


def main():
    sigs = signatures(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="exodus-") as tmp:
        names = embedded_classes(sys.argv[2], tmp)
    found = []
    for sdk_id, rx in sigs:
        for name in names:
            if rx.search(name):
                found.append(sdk_id)
                break
    print(len(names), " ".join(found))


if __name__ == "__main__":
    main()
