/** A free loopback port for a server a test starts itself (the product code has the same helper). */
export { findFreeLoopbackPort as freePort } from '../../src/pubsub/loopback-port.js';
