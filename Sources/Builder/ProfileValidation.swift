import IR
import Runtime

/// Build-time checks of the profiles against the graph's inputs: every input
/// named exists, every dynamic input is covered, ranks match, min ≤ opt ≤ max,
/// static dims are fixed at their value, and a symbol shared by inputs gets
/// one value in each of min, opt and max.
enum ProfileValidation {
    static func check(_ config: BuilderConfig, graph: Graph) throws -> [[String: ManifestShapeRange]] {
        guard config.precision == .fp32 else { throw BuilderError.unsupportedPrecision(config.precision.rawValue) }
        guard !config.profiles.isEmpty || graph.runtimeInputs.allSatisfy({ $0.type?.shape?.isStatic == true }) else {
            throw BuilderError.noProfiles
        }
        let profiles = config.profiles.isEmpty ? [OptimizationProfile()] : config.profiles
        let inputs = graph.runtimeInputs
        return try profiles.enumerated().map { p, profile in
            for name in profile.inputs.keys.sorted() where !inputs.contains(where: { $0.name == name }) {
                throw BuilderError.unknownInput(profile: p, input: name, inputs: inputs.map(\.name))
            }
            var out: [String: ManifestShapeRange] = [:]
            var symbols: [String: [Int]] = [:]
            for input in inputs {
                guard let declared = input.type?.shape else { throw BuilderError.uncoveredInput(profile: p, input: input.name) }
                guard let range = profile.inputs[input.name] else {
                    guard let fixed = declared.staticSizes else { throw BuilderError.uncoveredInput(profile: p, input: input.name) }
                    out[input.name] = ManifestShapeRange(min: fixed, opt: fixed, max: fixed)
                    continue
                }
                for shape in [range.min, range.opt, range.max] where shape.count != declared.rank {
                    throw BuilderError.rank(profile: p, input: input.name, expected: declared.rank, found: shape)
                }
                for d in 0..<declared.rank {
                    let (lo, opt, hi) = (range.min[d], range.opt[d], range.max[d])
                    guard lo >= 0, lo <= opt, opt <= hi else {
                        throw BuilderError.rangeOrder(profile: p, input: input.name, dim: d, min: lo, opt: opt, max: hi)
                    }
                    switch declared[d] {
                    case .value(let v) where v != lo || v != hi:
                        throw BuilderError.staticDim(profile: p, input: input.name, dim: d, declared: v, range: lo...hi)
                    case .symbol(let s):
                        if let seen = symbols[s], seen != [lo, opt, hi] {
                            throw BuilderError.inconsistentSymbol(profile: p, symbol: s,
                                reason: "input '\(input.name)' dim \(d) gives \(lo)/\(opt)/\(hi) (min/opt/max), another input \(seen.map(String.init).joined(separator: "/"))")
                        }
                        symbols[s] = [lo, opt, hi]
                    default: break
                    }
                }
                out[input.name] = ManifestShapeRange(min: range.min, opt: range.opt, max: range.max)
            }
            return out
        }
    }

    /// The range of every input symbol over all profiles (for the surgeon).
    static func dimRanges(_ profiles: [[String: ManifestShapeRange]], graph: Graph) -> [String: ClosedRange<Int>] {
        var ranges: [String: ClosedRange<Int>] = [:]
        for profile in profiles {
            for input in graph.runtimeInputs {
                guard let shape = input.type?.shape, let r = profile[input.name] else { continue }
                for (d, dim) in shape.dims.enumerated() {
                    guard case .symbol(let s) = dim else { continue }
                    let new = r.min[d]...r.max[d]
                    ranges[s] = ranges[s].map { min($0.lowerBound, new.lowerBound)...max($0.upperBound, new.upperBound) } ?? new
                }
            }
        }
        return ranges
    }
}
