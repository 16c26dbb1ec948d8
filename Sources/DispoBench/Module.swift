// DispoBench module (being written).
