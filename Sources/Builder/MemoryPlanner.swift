import Runtime

/// Assigns every arena value (graph inputs and activations) an offset in one
/// arena, by liveness, like tinygrad's planner:
///
/// 1. zero-copy layers (``AliasLayer``) and in-place layers make their output
///    share their input's slot: the two form one *group*;
/// 2. each group lives from its first producer to its last consumer (graph
///    outputs to the end: they are never overwritten);
/// 3. groups, largest first, take the lowest 64-byte-aligned offset that no
///    group alive at the same time occupies.
///
/// Sizes are the largest each value takes at the profile's min, opt and max shapes.
struct MemoryPlanner {
    /// Bytes per value (0 for values not in the arena).
    let bytes: [Int]
    /// Per layer: whether its output 0 may share input 0's slot.
    let sharesInput: [Bool]
    let values: [ManifestValue]
    let layers: [ManifestLayer]
    let graphOutputs: Set<Int>

    struct Result {
        var offsets: [Int]
        var capacities: [Int]
        var aliasOf: [Int?]
        var arenaBytes: Int
        var naiveBytes: Int
    }

    func isArena(_ v: Int) -> Bool { v >= 0 && (values[v].storage == .input || values[v].storage == .activation) }

    func plan() -> Result {
        let n = values.count
        var lastUse = [Int](repeating: -1, count: n)
        var producer = [Int](repeating: -1, count: n)
        for (i, layer) in layers.enumerated() where layer.stage == "run" {
            for v in layer.inputs where v >= 0 { lastUse[v] = max(lastUse[v], i) }
            for v in layer.outputs where v >= 0 { producer[v] = i; lastUse[v] = max(lastUse[v], i) }
        }
        for v in graphOutputs { lastUse[v] = Int.max }
        var root = Array(0..<n)
        var groupLast = lastUse
        var members: [[Int]] = (0..<n).map { [$0] }
        for (i, layer) in layers.enumerated() where layer.stage == "run" && sharesInput[i] {
            guard let input = layer.inputs.first, let output = layer.outputs.first,
                  isArena(input), isArena(output), values[input].dataType == values[output].dataType else { continue }
            let r = root[input]
            let isAlias = layer.plugin == "Alias"
            // In place only when the input's whole group dies here and no other input reads it.
            if !isAlias {
                let others = layer.inputs.dropFirst().filter { $0 >= 0 && isArena($0) }
                guard groupLast[r] == i, !others.contains(where: { root[$0] == r }) else { continue }
            }
            root[output] = r
            members[r].append(output)
            groupLast[r] = max(groupLast[r], lastUse[output])
        }
        // Group extents.
        var size = [Int](repeating: 0, count: n), first = [Int](repeating: Int.max, count: n)
        for v in 0..<n where isArena(v) {
            let r = root[v]
            size[r] = max(size[r], bytes[v])
            first[r] = min(first[r], producer[v])
        }
        let roots = (0..<n).filter { isArena($0) && root[$0] == $0 }.sorted { size[$0] > size[$1] }
        var placed: [(start: Int, end: Int, first: Int, last: Int)] = []
        var offsets = [Int](repeating: -1, count: n)
        var arena = 0
        for r in roots {
            let need = Self.align(max(size[r], 1))
            let live = placed.filter { $0.first <= groupLast[r] && first[r] <= $0.last }.sorted { $0.start < $1.start }
            var best: (offset: Int, gap: Int)? = nil
            var cursor = 0
            for p in live {
                if p.start - cursor >= need, best == nil || p.start - cursor < best!.gap { best = (cursor, p.start - cursor) }
                cursor = max(cursor, p.end)
            }
            let offset = best?.offset ?? cursor
            offsets[r] = offset
            placed.append((offset, offset + need, first[r], groupLast[r]))
            arena = max(arena, offset + need)
        }
        var capacities = [Int](repeating: 0, count: n)
        var aliasOf = [Int?](repeating: nil, count: n)
        var naive = 0
        for v in 0..<n where isArena(v) {
            offsets[v] = offsets[root[v]]
            capacities[v] = size[root[v]]
            if root[v] != v { aliasOf[v] = root[v] }
            naive += Self.align(bytes[v])
        }
        return Result(offsets: offsets, capacities: capacities, aliasOf: aliasOf, arenaBytes: arena, naiveBytes: naive)
    }

    static func align(_ n: Int) -> Int { (n + 63) / 64 * 64 }
}
