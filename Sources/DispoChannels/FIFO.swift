// A first-in first-out queue on a ring buffer: O(1) push and pop, storage reused. The channel keeps its
// buffered elements and its waiting producers and consumers in these.

struct FIFO<Element> {
    private var storage: [Element?] = []
    private var head = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    mutating func push(_ element: Element) {
        if count == storage.count { grow() }
        storage[(head + count) % storage.count] = element
        count += 1
    }

    mutating func pop() -> Element? {
        guard count > 0 else { return nil }
        let element = storage[head]
        storage[head] = nil
        head = (head + 1) % storage.count
        count -= 1
        return element
    }

    /// Removes and returns the first element matching `predicate`, keeping the order of the rest.
    mutating func remove(where predicate: (Element) -> Bool) -> Element? {
        var kept = FIFO()
        var found: Element?
        while let element = pop() {
            if found == nil, predicate(element) { found = element } else { kept.push(element) }
        }
        self = kept
        return found
    }

    /// Empties the queue, returning its elements in order.
    mutating func drain() -> [Element] {
        var out: [Element] = []
        out.reserveCapacity(count)
        while let element = pop() { out.append(element) }
        return out
    }

    private mutating func grow() {
        var grown = [Element?](repeating: nil, count: max(4, storage.count * 2))
        for i in 0..<count { grown[i] = storage[(head + i) % storage.count] }
        storage = grown
        head = 0
    }
}
