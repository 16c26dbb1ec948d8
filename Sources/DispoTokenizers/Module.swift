// DispoTokenizers module (being written).
