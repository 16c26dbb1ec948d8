// DispoDatasets module (being written).
