#!/usr/bin/env python3
"""A client of the service the framework keeps alive, as a client-side load balancer would be.

Every --interval it reads the framework's /state, takes the tasks that are ready and not being
killed, and sends one GET to one of them (in turn); if that backend refuses, it tries the next
ready one once. A request fails when no ready backend answers it. Runs until SIGTERM, then prints
"requests=N failed=M" and exits 0.
"""
import argparse
import json
import signal
import sys
import urllib.request

stop = False


def on_term(*_):
    global stop
    stop = True


def backends(state_url):
    with urllib.request.urlopen(state_url, timeout=2) as answer:
        state = json.load(answer)
    return [task["ports"][0] for task in state.get("tasks", [])
            if task.get("ready") and not task.get("killing") and task.get("ports")]


def get(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--state", required=True, help="the framework's /state URL")
    parser.add_argument("--interval", type=float, default=0.05)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, on_term)
    requests = failed = 0
    turn = 0
    import time
    while not stop:
        try:
            ports = backends(args.state)
        except OSError:
            ports = []
        if ports:
            requests += 1
            turn += 1
            first = ports[turn % len(ports)]
            others = [port for port in ports if port != first]
            if not get(first) and not (others and get(others[0])):
                failed += 1
                print(f"failed: backends {ports}", file=sys.stderr, flush=True)
        time.sleep(args.interval)
    print(f"requests={requests} failed={failed}", flush=True)


if __name__ == "__main__":
    main()
