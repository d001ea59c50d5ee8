import { createRequire } from 'node:module';

/**
 * A workaround for the Pub/Sub emulator, loaded into every process of the e2e and fault suites
 * (`--import` for worker processes, a plain import in the test process).
 *
 * @google-cloud/pubsub 6.3 asks for server keepalives (StreamingPull protocolVersion 1): it pings
 * each stream every 30 s and cancels a stream that got no response within 15 s. Pub/Sub answers
 * those pings; emulator 0.8.20 does not, so the client cancels every idle stream about every 45 s.
 * The emulator's handling of a cancelled (or abruptly closed) stream then fails
 * (`NoSuchMethodError: io.grpc.InternalStatus.asRuntimeException` in its log), and messages it
 * was pushing to, or held for, that stream are never delivered again: nacked messages and the
 * messages of a SIGKILLed worker vanish. With the check off, the client keeps its streams as it
 * would against Pub/Sub, which does answer.
 */
const require = createRequire(import.meta.url);
const { MessageStream } = require('@google-cloud/pubsub/build/src/message-stream.js') as {
  MessageStream: { prototype: { _checkAliveTimer(index: number): void } };
};
MessageStream.prototype._checkAliveTimer = function noServerKeepaliveCheck() {};

export const emulatorKeepalivePatched = true;
