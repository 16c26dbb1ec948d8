// DispoShards module (being written).
