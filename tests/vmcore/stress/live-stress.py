#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""live-stress.py - run inside the lab guest (chrooted in the host root, see
tests/vmcore/lib/run-guest live mode): start hmmchurn, which keeps migrating
pages to and from test_hmm's device memory and forking, then run
`folioscope scan --live` SCANS times (and the drgn scan every DRGN_EVERY-th
time) while it runs. One line per scan, "STRESS {json}", with the exit status,
time, finding IDs (and whether transient), unread-state count and the device
entries seen; a last "STRESS-CHURN ..." line with the workload's totals.

usage: live-stress.py HMMCHURN FOLIOSCOPE VMLINUX SCANS [DRGN_PKG_DIR DRGN_EVERY]"""
import json
import os
import signal
import subprocess
import sys
import time


def summary(kind, i, rc, secs, out):
    d = {"tool": kind, "i": i, "rc": rc, "secs": round(secs, 2)}
    try:
        doc = json.loads(out)
    except ValueError:
        d["bad_output"] = out[-500:]
        return d
    d["findings"] = [[f["id"], f["severity"], bool(f.get("transient"))] for f in doc["findings"]]
    d["confirmed"] = [f'{f["id"]} {f["subject"]}: {f["evidence"][:300]}' for f in doc["findings"]
                      if not f.get("transient")][:5]
    d["errors"] = len(doc["errors"])
    d["first_errors"] = doc["errors"][:2]
    d["second_read"] = doc["coverage"].get("second_read")
    kinds = {}
    for e in doc["entries"]:
        k = f'{e["level"]}:{e["kind"]}'
        kinds[k] = kinds.get(k, 0) + 1
    d["entries"] = kinds
    return d


def churn_tasks():
    """State, wait channel and kernel stack of every hmmchurn task: evidence
    for a finding that survives confirmation."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            comm = open(f"/proc/{pid}/comm").read().strip()
            if comm != "hmmchurn":
                continue
            state = [line for line in open(f"/proc/{pid}/status") if line.startswith("State")][0].split()[1]
            wchan = open(f"/proc/{pid}/wchan").read().strip()
            try:
                stack = " < ".join(line.split()[1].split("+")[0] for line in open(f"/proc/{pid}/stack"))
            except OSError as e:
                stack = f"(no stack: {e.strerror})"
            out.append(f"pid {pid} {state} wchan {wchan} {stack[:300]}")
        except (OSError, IndexError):
            continue
    return out


def where_mapped(fs, vmlinux, folio):
    """An anon folio's index is its address in a VMA that was never moved
    (vm_pgoff == vm_start >> PAGE_SHIFT, true of hmmchurn's regions): what
    each churn task's page tables, /proc maps and pagemap say there."""
    out = []
    vaddr = folio.get("index", 0) << 12
    if folio.get("mapping_kind") != "anon" or not vaddr:
        return [f"folio not anon or no index: {folio}"]
    for line in churn_tasks():
        pid = line.split()[1]
        v = subprocess.run([fs, "vtop", "-k", vmlinux, "--live", "-p", pid, hex(vaddr)],
                           capture_output=True, text=True)
        out += [f"pid {pid} vtop {x}" for x in (v.stdout + v.stderr).splitlines()[-6:]]
        try:
            for m in open(f"/proc/{pid}/maps"):
                lo, hi = (int(x, 16) for x in m.split()[0].split("-"))
                if lo <= vaddr < hi:
                    out.append(f"pid {pid} maps {m.strip()}")
            with open(f"/proc/{pid}/pagemap", "rb") as pm:
                pm.seek((vaddr >> 12) * 8)
                out.append(f"pid {pid} pagemap 0x{int.from_bytes(pm.read(8), 'little'):016x}")
        except (OSError, ValueError) as e:
            out.append(f"pid {pid}: {e}")
    return out


def main():
    churn, fs, vmlinux, scans = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    drgn_dir = sys.argv[5] if len(sys.argv) > 5 else None
    drgn_every = int(sys.argv[6]) if len(sys.argv) > 6 else 0
    w = subprocess.Popen([churn, "3600"], stdout=subprocess.PIPE, text=True)
    time.sleep(1)
    for i in range(scans):
        t = time.monotonic()
        r = subprocess.run([fs, "scan", "--json", "-k", vmlinux, "--live"], capture_output=True, text=True)
        print("STRESS " + json.dumps(summary("c", i, r.returncode, time.monotonic() - t, r.stdout)), flush=True)
        if r.returncode == 1:
            for line in churn_tasks():
                print("STRESS-TASK " + line, flush=True)
            doc = json.loads(r.stdout)
            if any(f["id"] == "FS-PGMAP-REF" and not f.get("transient") for f in doc["findings"]):
                v = subprocess.run([fs, "scan", "--json", "-v", "-k", vmlinux, "--live"], capture_output=True, text=True)
                vdoc = json.loads(v.stdout)
                print("STRESS-LARGE coverage " + json.dumps(vdoc["coverage"]), flush=True)
                for fo in vdoc["folios"]:
                    if fo["order"] > 0:
                        print("STRESS-LARGE " + json.dumps(fo), flush=True)
                    if fo["order"] > 0 and fo["mapcount"] > 0 and not fo["pte_entries"] + fo["pmd_entries"]:
                        fj = subprocess.run([fs, "folio", "-k", vmlinux, "--live", "--json", hex(fo["pfn"])],
                                            capture_output=True, text=True).stdout.splitlines()
                        for line in where_mapped(fs, vmlinux, json.loads(fj[0])) if fj else ["no folio output"]:
                            print("STRESS-WHERE " + line, flush=True)
                for line in subprocess.run([fs, "folio", "-k", vmlinux, "--live"] +
                                           [hex(fo["pfn"]) for fo in vdoc["folios"] if fo["order"] > 0],
                                           capture_output=True, text=True).stdout.splitlines():
                    print("STRESS-LFOLIO " + line, flush=True)
            try:
                pfn = next(f.get("pfn") for f in doc["findings"]
                           if f.get("pfn") and not f.get("transient"))
                fo = subprocess.run([fs, "folio", "-k", vmlinux, "--live", "--json", hex(pfn)],
                                    capture_output=True, text=True)
                print("STRESS-FOLIO " + fo.stdout.strip().replace("\n", " "), flush=True)
                for line in where_mapped(fs, vmlinux, json.loads(fo.stdout.splitlines()[0])):
                    print("STRESS-WHERE " + line, flush=True)
            except (StopIteration, ValueError, KeyError, IndexError):
                pass
        if r.returncode not in (0, 1):
            print("STRESS-STDERR " + r.stderr[-500:].replace("\n", " "), flush=True)
        if drgn_dir and drgn_every and i % drgn_every == 0:
            t = time.monotonic()
            env = dict(os.environ, PYTHONPATH=drgn_dir)
            r = subprocess.run(["/usr/bin/python3", "-m", "folioscope.scan", "--json", "-s", vmlinux],
                               capture_output=True, text=True, env=env)
            print("STRESS " + json.dumps(summary("drgn", i, r.returncode, time.monotonic() - t, r.stdout)),
                  flush=True)
            if r.returncode not in (0, 1):
                print("STRESS-STDERR " + r.stderr[-500:].replace("\n", " "), flush=True)
    alive = w.poll() is None
    w.send_signal(signal.SIGTERM)
    out, _ = w.communicate(timeout=120)
    print(f"STRESS-CHURN alive_until_end={alive} rc={w.returncode} {out.strip()}", flush=True)


if __name__ == "__main__":
    main()
