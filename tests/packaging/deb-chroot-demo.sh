demo_sync_in_root() { echo "(demo pending)"; }
