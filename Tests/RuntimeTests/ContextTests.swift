import Builder
import Plugins
import Foundation
import IR
import Reference
import Runtime
import XCTest

/// Profiles, shape checks and concurrent contexts.
final class ContextTests: XCTestCase {
    private static let graphPath = "generated/wenet-tiny.onnx"

    private func engine(_ profiles: [[String: (Int, Int, Int)]]) throws -> (Engine, IR.Graph) {
        let graph = try Fixtures.graph(Self.graphPath)
        let built = try Builder(Fixtures.config(profiles.map { Fixtures.profile(graph, $0) })).build(graph)
        return (built.makeEngine(), graph)
    }

    func testShapeOutsideProfileNamesInputDimAndRange() throws {
        let (engine, _) = try engine([["B": (1, 2, 4), "T": (16, 32, 64)], ["B": (1, 1, 1), "T": (7, 8, 15)]])
        let context = try engine.makeContext(profile: 0)
        XCTAssertThrowsError(try context.setInputShapes(["speech": [2, 65, 80], "speech_lengths": [2]])) { error in
            XCTAssertEqual(error as? RuntimeError,
                           .shapeOutsideProfile(input: "speech", dim: 1, value: 65, min: 16, max: 64, profile: 0))
            XCTAssertTrue("\(error)".contains("16...64"))
        }
        XCTAssertThrowsError(try context.setInputShapes(["speech": [5, 20, 80], "speech_lengths": [5]])) { error in
            XCTAssertEqual(error as? RuntimeError,
                           .shapeOutsideProfile(input: "speech", dim: 0, value: 5, min: 1, max: 4, profile: 0))
        }
        // The same shapes fit the short profile, and a mismatched batch is named.
        let short = try engine.makeContext(profile: 1)
        try short.setInputShapes(["speech": [1, 10, 80], "speech_lengths": [1]])
        XCTAssertEqual(short.outputShapes["encoder_out"], [1, 1, 32])
        XCTAssertThrowsError(try short.setInputShapes(["speech": [1, 10, 80], "speech_lengths": [2]])) { error in
            XCTAssertTrue("\(error)".contains("speech_lengths"), "\(error)")
        }
        XCTAssertThrowsError(try engine.makeContext(profile: 2)) { error in
            XCTAssertEqual(error as? RuntimeError, .noSuchProfile(index: 2, count: 2))
        }
        XCTAssertEqual(engine.profile(containing: ["speech": [1, 10, 80], "speech_lengths": [1]]), 1)
        XCTAssertNil(engine.profile(containing: ["speech": [1, 100, 80], "speech_lengths": [1]]))
    }

    func testRunBeforeShapesAndWrongInputs() throws {
        let (engine, graph) = try engine([["B": (1, 2, 2), "T": (16, 16, 32)]])
        let context = try engine.makeContext()
        XCTAssertThrowsError(try context.enqueue()) { XCTAssertEqual($0 as? RuntimeError, .shapesNotSet) }
        var feeds = try Fixtures.inputs(graph, ["B": 1, "T": 20])
        feeds["speech_lengths"] = Tensor([Float(3)], shape: [1])
        XCTAssertThrowsError(try context.run(feeds)) { error in
            XCTAssertEqual(error as? RuntimeError, .inputType(input: "speech_lengths", expected: .int32, found: .float32))
        }
        feeds["extra"] = Tensor([Float(3)], shape: [1])
        XCTAssertThrowsError(try context.run(feeds)) { XCTAssertTrue("\($0)".contains("'extra'")) }
    }

    /// Contexts on several threads, each with its own arena, give the results one context gives.
    func testConcurrentContextsMatchOneContext() throws {
        let (engine, graph) = try engine([["B": (1, 2, 3), "T": (16, 24, 40)]])
        let cases = try (0..<4).map { k in try Fixtures.inputs(graph, ["B": 1 + k % 3, "T": 16 + 7 * k], seed: UInt64(k)) }
        let single = try engine.makeContext()
        let expected = try cases.map { try single.run($0) }
        let results = Results(count: 4)
        DispatchQueue.concurrentPerform(iterations: 4) { t in
            do {
                let context = try engine.makeContext()
                for round in 0..<3 {
                    let k = (t + round) % cases.count
                    results.set(t * 3 + round, k, try context.run(cases[k]))
                }
            } catch {
                results.fail("\(error)")
            }
        }
        XCTAssertNil(results.failure)
        for (k, outputs) in results.all() {
            XCTAssertEqual(outputs, expected[k], "case \(k)")
        }
        XCTAssertEqual(results.all().count, 12)
    }
}

/// Collects results from several threads.
final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int: (Int, [String: Tensor])] = [:]
    private(set) var failure: String?

    init(count: Int) {}

    func set(_ slot: Int, _ k: Int, _ outputs: [String: Tensor]) { lock.withLock { values[slot] = (k, outputs) } }
    func fail(_ message: String) { lock.withLock { failure = message } }
    func all() -> [(Int, [String: Tensor])] { lock.withLock { values.sorted { $0.key < $1.key }.map(\.value) } }
}

extension ContextTests {
    /// Writing inputs into the bindings and calling enqueue gives what run gives.
    func testBindingsAndEnqueue() throws {
        let (engine, graph) = try engine([["B": (1, 2, 2), "T": (16, 20, 32)]])
        let feeds = try Fixtures.inputs(graph, ["B": 2, "T": 21])
        let context = try engine.makeContext()
        let expected = try context.run(feeds)
        let other = try engine.makeContext()
        XCTAssertNil(other.binding("speech"))
        try other.setInputShapes(feeds.mapValues(\.shape))
        for (name, t) in feeds { try TensorBytes.write(t, to: try XCTUnwrap(other.binding(name)).data) }
        try other.enqueue()
        let out = try XCTUnwrap(other.binding("encoder_out"))
        XCTAssertEqual(out.shape, expected["encoder_out"]?.shape)
        XCTAssertEqual(try TensorBytes.read(out.data, dataType: out.dataType, shape: out.shape), expected["encoder_out"])
    }
}
