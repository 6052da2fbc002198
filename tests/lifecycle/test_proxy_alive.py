"""An endpoint proxy is recognised by its command line, not by its pid alone: `%undeploy`
and the endpoint commands must not take an unrelated process that reused the pid for it."""

from __future__ import annotations

import os
import subprocess
import sys

from jupyter_mlops.core.models.stopping import PROXY_MODULE, proxy_alive


def test_only_the_proxy_on_that_port_counts():
    stand_in = subprocess.Popen([sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)",
                                 "-m", PROXY_MODULE, "--host", "127.0.0.1", "--port", "8123",
                                 "--upstream", "http://127.0.0.1:9"], stdout=subprocess.PIPE, text=True)
    try:
        # Until the child has exec'd, /proc shows the parent's command line: wait for it to run.
        assert stand_in.stdout.readline() == "up\n"
        assert proxy_alive(stand_in.pid, 8123)
        assert not proxy_alive(stand_in.pid, 812)  # another port's proxy, not this one
        assert not proxy_alive(os.getpid(), 8123)  # alive, but not a proxy: a reused pid
    finally:
        stand_in.kill()
        stand_in.wait()
    assert not proxy_alive(stand_in.pid, 8123)
    assert not proxy_alive(None, 8123) and not proxy_alive("not a pid", 8123)
