// The engine's event bus, typed by the contract's Events.
import { EventEmitter } from 'node:events';
import type { EventName, Events } from '../../shared/api';

export class EventBus {
  private ee = new EventEmitter();
  constructor() {
    this.ee.setMaxListeners(0);
  }
  emit<E extends EventName>(event: E, payload: Events[E]): void {
    this.ee.emit(event, payload);
  }
  listenerCount(event: EventName): number {
    return this.ee.listenerCount(event);
  }
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    this.ee.on(event, listener);
    return () => this.ee.off(event, listener);
  }
}
