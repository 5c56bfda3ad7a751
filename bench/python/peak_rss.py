"""Used by bench/run.mjs when /usr/bin/time is missing: runs a script in this process, then writes
the process's peak resident set size (KiB, Linux) to $BENCH_PEAK_RSS_FILE.

    python3 bench/python/peak_rss.py <script.py> [args...]
"""
import os
import resource
import runpy
import sys


def main():
    script = sys.argv[1]
    sys.argv = sys.argv[1:]
    try:
        runpy.run_path(script, run_name="__main__")
    finally:
        sys.stdout.flush()
        with open(os.environ["BENCH_PEAK_RSS_FILE"], "w") as f:
            f.write(f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\n")


if __name__ == "__main__":
    main()
