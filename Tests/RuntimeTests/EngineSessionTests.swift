import Builder
import Foundation
import IR
import Reference
import Runtime
import Scoring
import XCTest

/// The engine as the scorer's ``InferenceSession``: each call runs on the first profile that fits.
final class EngineSessionTests: XCTestCase {
    func testSessionPicksTheProfileThatFits() throws {
        let graph = try Fixtures.graph("generated/wenet-tiny.onnx")
        let built = try Builder(Fixtures.config([Fixtures.profile(graph, ["B": (1, 1, 2), "T": (7, 8, 15)]),
                                                 Fixtures.profile(graph, ["B": (1, 2, 3), "T": (16, 32, 48)])])).build(graph)
        let session = EngineSession(engine: built.makeEngine())
        let reference = try ReferenceSession(graph: graph)
        XCTAssertEqual(session.inputNames, ["speech", "speech_lengths"])
        XCTAssertEqual(session.outputNames, ["encoder_out", "encoder_out_lens"])
        for symbols in [["B": 1, "T": 9], ["B": 3, "T": 40], ["B": 2, "T": 15]] {
            let feeds = try Fixtures.inputs(graph, symbols)
            assertClose(try session.infer(feeds), try reference.infer(feeds), "session at \(symbols)")
        }
        XCTAssertThrowsError(try session.infer(try Fixtures.inputs(graph, ["B": 4, "T": 20]))) { error in
            XCTAssertTrue("\(error)".contains("outside profile 0"), "\(error)")
        }
    }
}
