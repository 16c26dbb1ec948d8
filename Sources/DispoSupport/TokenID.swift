// Shared vocabulary of the modules: token ids.

/// A token id. Non-negative; stored on disk as u16 or u32 depending on the vocabulary size.
public typealias TokenID = Int32
