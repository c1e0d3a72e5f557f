# SPDX-License-Identifier: GPL-2.0-or-later
"""
Checks on a dump file before drgn opens it (the C backend's checks in
src/kdump/target-kdump.c): which machine it is from, and whether it was cut
short. drgn maps dump files, so a truncated one kills the process with
SIGBUS where the C backend (reading with read(2)) gets an error: refusing it
up front is the only clean answer.
"""
import os
import struct
from typing import Optional

__all__ = ("machine", "truncated")

_EM = {3: "i386", 21: "ppc64", 22: "s390x", 62: "x86_64", 183: "aarch64", 243: "riscv64"}


def machine(path: str) -> Optional[str]:
    """The machine an ELF file or kdump-compressed dump names (``uname -m`` spelling), or None."""
    try:
        with open(path, "rb") as f:
            h = f.read(8 + 4 + 6 * 65)
    except OSError:
        return None
    if h[:4] == b"\x7fELF" and len(h) >= 20:
        return _EM.get(int.from_bytes(h[18:20], "big" if h[5] == 2 else "little"))
    if h[:8] == b"KDUMP   " and len(h) >= 8 + 4 + 5 * 65:
        # makedumpfile diskdump.h: signature[8], header_version, struct new_utsname
        return h[8 + 4 + 4 * 65:8 + 4 + 5 * 65].split(b"\0")[0].decode(errors="replace") or None
    return None


def _elf_truncated(f, size: int) -> Optional[str]:
    h = f.read(64)
    if len(h) < 64 or h[4] != 2:
        return None
    end = "<" if h[5] == 1 else ">"
    phoff, = struct.unpack_from(end + "Q", h, 0x20)
    phentsize, phnum = struct.unpack_from(end + "HH", h, 0x36)
    if phentsize < 56 or phnum == 0 or phnum > 1 << 16:
        return None
    f.seek(phoff)
    ph = f.read(phentsize * phnum)
    if len(ph) < phentsize * phnum:
        return f"its program headers end at byte {phoff + phentsize * phnum} but the file has {size}"
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from(end + "IIQQQQ", ph, i * phentsize)
        if p_type in (1, 4) and p_filesz and p_offset + p_filesz > size:  # PT_LOAD, PT_NOTE
            return f"segment {i} ends at byte {p_offset + p_filesz} but the file has {size}"
    return None


def _kdump_truncated(f, size: int) -> Optional[str]:
    h = f.read(448)
    if len(h) < 448:
        return f"its header needs 448 bytes but the file has {size}"
    le = struct.unpack_from("<I", h, 8)[0] < 0x10000
    e = "<" if le else ">"
    bs, subs, bmblocks = struct.unpack_from(e + "III", h, 428)
    if bs < 512 or bs > 1 << 20 or bs & (bs - 1) or not bmblocks:
        return None
    bmoff, bmlen = (1 + subs) * bs, bmblocks * bs
    descoff = bmoff + bmlen
    if descoff > size:
        return f"its bitmaps end at byte {descoff} but the file has {size}"
    f.seek(bmoff + bmlen // 2)  # the second bitmap: pages present in the dump
    ndump = sum(bin(b).count("1") for b in f.read(bmlen // 2))
    descend = descoff + ndump * 24
    if descend > size:
        return f"its {ndump} page descriptors end at byte {descend} but the file has {size}"
    n = min(ndump, 64)
    if not n:
        return None
    f.seek(descend - n * 24)
    d = f.read(n * 24)
    need = max(struct.unpack_from(e + "Q", d, i * 24)[0] + struct.unpack_from(e + "I", d, i * 24 + 8)[0]
               for i in range(n))
    if need > size:
        return f"its page data ends at byte {need} but the file has {size}"
    return None


def truncated(path: str) -> Optional[str]:
    """Why the dump at *path* is cut short, or None (also for files this cannot judge)."""
    try:
        size = os.stat(path).st_size
        if not os.path.isfile(path):
            return None
        with open(path, "rb") as f:
            sig = f.read(8)
            f.seek(0)
            if sig[:4] == b"\x7fELF":
                return _elf_truncated(f, size)
            if sig == b"KDUMP   ":
                return _kdump_truncated(f, size)
    except (OSError, struct.error):
        return None
    return None
