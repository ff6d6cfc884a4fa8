// Helpers for engine tests: committed fixtures (Tests/Fixtures/generated and
// Tests/Fixtures/torch; see their READMEs to regenerate), builds with small
// profiles, and comparisons with the reference executor (the oracle).

import Builder
import Foundation
import IR
import ONNX
import Reference
import Runtime
import XCTest

enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func graph(_ path: String) throws -> Graph {
        try ONNXImporter().load(contentsOf: root.appendingPathComponent(path)).graph
    }

    /// A profile for every input from per-symbol (min, opt, max) sizes.
    static func profile(_ graph: Graph, _ sizes: [String: (Int, Int, Int)]) -> OptimizationProfile {
        var profile = OptimizationProfile()
        for input in graph.runtimeInputs {
            let dims = input.type?.shape?.dims ?? []
            func pick(_ k: Int) -> [Int] {
                dims.map { d in
                    switch d {
                    case .value(let v): return v
                    case .symbol(let s):
                        let r = sizes[s] ?? (1, 1, 1)
                        return [r.0, r.1, r.2][k]
                    }
                }
            }
            profile.setDimensions(input.name, min: pick(0), opt: pick(1), max: pick(2))
        }
        return profile
    }

    /// Seeded random inputs with the symbols bound.
    static func inputs(_ graph: Graph, _ symbols: [String: Int], seed: UInt64 = 1) throws -> [String: Tensor] {
        var shapes: [String: [Int]] = [:]
        for input in graph.runtimeInputs {
            shapes[input.name] = (input.type?.shape?.dims ?? []).map { d in
                if case .symbol(let s) = d { return symbols[s] ?? 1 }
                return d.value ?? 1
            }
        }
        return Dictionary(uniqueKeysWithValues: try RandomInputs(seed: seed).make(for: graph.runtimeInputs, shapes: shapes))
    }

    /// A config with one or more profiles and few timing runs (fast tests).
    static func config(_ profiles: [OptimizationProfile], cache: TimingCache? = nil, fusions: Set<String>? = nil) -> BuilderConfig {
        BuilderConfig(profiles: profiles, threads: 1, timingCache: cache, timingIterations: 1, fusions: fusions)
    }
}

/// The largest |a - b| over every output; fails when shapes or types differ.
func assertClose(_ engine: [String: Tensor], _ reference: [String: Tensor], tolerance: Float = 1e-4,
                 _ message: String, file: StaticString = #filePath, line: UInt = #line) {
    for (name, r) in reference {
        guard let e = engine[name] else { XCTFail("\(message): output \(name) missing", file: file, line: line); continue }
        XCTAssertEqual(e.shape, r.shape, "\(message): \(name) shape", file: file, line: line)
        XCTAssertEqual(e.dataType, r.dataType, "\(message): \(name) dtype", file: file, line: line)
        guard e.shape == r.shape, let a = e.floatValues(), let b = r.floatValues() else { continue }
        var worst: Float = 0
        for i in a.indices {
            if a[i].isNaN != b[i].isNaN { worst = .infinity; break }
            if !a[i].isNaN { worst = max(worst, abs(a[i] - b[i])) }
        }
        XCTAssertLessThanOrEqual(worst, tolerance, "\(message): \(name) max abs diff", file: file, line: line)
    }
}
