#!/usr/bin/env python3
"""androguard 4: APK() + DEX() class and string listing of one APK.

    androguard_list.py APK

Parses the APK (manifest, certificates on demand) and every classes*.dex with
androguard's DEX(), lists each class name and the string pool, and prints the
counts. This is the work androguard-based tools (MobSF, fdroidserver's
scanner, Exodus's old code) do before any matching.
"""
import sys

from loguru import logger

logger.remove()

from androguard.core.apk import APK  # noqa: E402
from androguard.core.dex import DEX  # noqa: E402


def main():
    a = APK(sys.argv[1])
    package = a.get_package()
    perms = a.get_permissions()
    classes = strings = 0
    for raw in a.get_all_dex():
        d = DEX(raw)
        classes += sum(1 for c in d.get_classes() if c.get_name())
        strings += sum(1 for _ in d.get_strings())
    print(package, len(perms), classes, strings)


if __name__ == "__main__":
    main()
