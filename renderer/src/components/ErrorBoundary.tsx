// A panel that fails to render says so in its own place; the rest of the page, and the app, stay. Each chart,
// table and tab panel sits in one, and the routed page in another (reset when the address changes).
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** What the panel shows, for the message ("the metric charts"). */
  what: string;
  /** A change of key clears the error (another route, another experiment). */
  resetKey?: unknown;
  children: ReactNode;
}

interface State {
  error: Error | null;
  key: unknown;
}

export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, key: this.props.resetKey };

  static getDerivedStateFromError(error: Error): Partial<State> {
    return { error };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return Object.is(props.resetKey, state.key) ? null : { error: null, key: props.resetKey };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    // Kept in the console for a bug report; the page shows the message.
    console.warn(`Axon: ${this.props.what} could not be shown:`, error, info.componentStack);
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="state error panel-error" role="alert" data-panel-error={this.props.what}>
        <p className="state-title">Axon could not show {this.props.what}.</p>
        <p className="state-body mono small">{error.message}</p>
        <button type="button" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </div>
    );
  }
}
