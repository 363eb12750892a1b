import AVKit
import SwiftUI
import RingsideKit

/// Incoming and in-call screens for the focused call, with the other calls above.
struct CallView: View {
    @ObservedObject var model: CallViewModel
    @State private var showingKeypad = false
    @State private var transferTarget = ""
    @State private var showingTransfer = false
    @State private var secondTarget = ""
    @State private var showingSecondCall = false

    var body: some View {
        VStack(spacing: 24) {
            ForEach(model.others, id: \.call) { other in
                Button { Task { await model.swap(to: other.call) } } label: {
                    Label("\(other.remoteName ?? other.remote) · \(CallText.state(other.state))", systemImage: "arrow.left.arrow.right")
                }
                .buttonStyle(.bordered)
            }
            Spacer()
            Text(model.title).font(.largeTitle).accessibilityIdentifier("call.title")
            Text(model.status).foregroundStyle(.secondary).accessibilityIdentifier("call.status")
            Spacer()
            if model.isRinging {
                HStack(spacing: 60) {
                    RoundButton(symbol: "phone.down.fill", color: .red, label: "Decline") { Task { await model.decline() } }
                    RoundButton(symbol: "phone.fill", color: .green, label: "Answer") { Task { await model.answer() } }
                }
            } else if showingKeypad {
                Text(model.keypadDigits).font(.title2.monospacedDigit())
                KeypadGrid { digit in Task { await model.press(digit: digit) } }
                Button("Hide keypad") { showingKeypad = false }
            } else {
                Grid(horizontalSpacing: 28, verticalSpacing: 20) {
                    GridRow {
                        ToggleButton(symbol: "mic.slash.fill", label: "Mute", on: model.focused?.muted ?? false) { Task { await model.toggleMute() } }
                        ToggleButton(symbol: "circle.grid.3x3.fill", label: "Keypad", on: false) { showingKeypad = true }
                        ToggleButton(symbol: "speaker.wave.2.fill", label: "Speaker", on: model.speaker) { model.toggleSpeaker() }
                    }
                    GridRow {
                        ToggleButton(symbol: "pause.fill", label: model.isHeld ? "Resume" : "Hold", on: model.isHeld) { Task { await model.toggleHold() } }
                        ToggleButton(symbol: "plus", label: "Add call", on: false) { showingSecondCall = true }
                        ToggleButton(symbol: "arrowshape.turn.up.right.fill", label: "Transfer", on: false) { showingTransfer = true }
                    }
                }
                HStack {
                    Text(model.routeName).font(.footnote).foregroundStyle(.secondary)
                    RoutePicker().frame(width: 44, height: 44).accessibilityLabel("Audio route")
                }
            }
            if let error = model.error {
                Text(error).foregroundStyle(.red).font(.footnote)
            }
            if !model.isRinging {
                RoundButton(symbol: "phone.down.fill", color: .red, label: "End") { Task { await model.hangup() } }
            }
        }
        .padding()
        .onAppear {
            model.start()
            model.refreshRoute()
        }
        .onReceive(NotificationCenter.default.publisher(for: AVAudioSession.routeChangeNotification).receive(on: RunLoop.main)) { _ in
            model.refreshRoute()
        }
        .sheet(isPresented: $showingTransfer) {
            NavigationStack {
                Form {
                    Section("Blind transfer") {
                        TextField("Number", text: $transferTarget).keyboardType(.phonePad)
                        Button("Transfer") {
                            showingTransfer = false
                            Task { await model.transferBlind(to: transferTarget) }
                        }
                    }
                    if !model.others.isEmpty {
                        Section("Attended transfer to a call here") {
                            ForEach(model.others, id: \.call) { other in
                                Button(other.remoteName ?? other.remote) {
                                    showingTransfer = false
                                    Task { await model.transferAttended(to: other.call) }
                                }
                            }
                        }
                    }
                }
                .navigationTitle("Transfer")
            }
        }
        .alert("Second call", isPresented: $showingSecondCall) {
            TextField("Number", text: $secondTarget).keyboardType(.phonePad)
            Button("Call") { Task { await model.startSecondCall(to: secondTarget) } }
            Button("Cancel", role: .cancel) {}
        }
    }
}

struct RoundButton: View {
    let symbol: String
    let color: Color
    let label: String
    let action: () -> Void

    var body: some View {
        Button(action: action) {
            Image(systemName: symbol).font(.title).padding(22).background(Circle().fill(color)).foregroundStyle(.white)
        }
        .accessibilityLabel(label)
        .accessibilityIdentifier("call.\(label.lowercased())")
    }
}

struct ToggleButton: View {
    let symbol: String
    let label: String
    let on: Bool
    let action: () -> Void

    var body: some View {
        Button(action: action) {
            VStack {
                Image(systemName: symbol).font(.title2).frame(width: 64, height: 64)
                    .background(Circle().fill(on ? Color.primary : Color.secondary.opacity(0.2)))
                    .foregroundStyle(on ? Color(uiColor: .systemBackground) : .primary)
                Text(label).font(.caption)
            }
        }
        .accessibilityIdentifier("call.\(label.lowercased().replacingOccurrences(of: " ", with: "-"))")
    }
}

/// The system's route picker (Bluetooth, AirPods, car): AVRoutePickerView.
struct RoutePicker: UIViewRepresentable {
    func makeUIView(context: Context) -> AVRoutePickerView {
        let picker = AVRoutePickerView()
        picker.prioritizesVideoDevices = false
        return picker
    }

    func updateUIView(_ view: AVRoutePickerView, context: Context) {}
}
