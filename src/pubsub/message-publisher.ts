/** The one method of the client's Topic these modules use, so callers can pass a Topic as is. */
export interface MessagePublisher {
  publishMessage(message: { data: Buffer; attributes: Record<string, string> }): Promise<string>;
}
