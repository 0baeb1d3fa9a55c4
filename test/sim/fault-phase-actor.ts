import { everyExponentialGap } from './exponential-gaps.js';
import type { SimCluster } from './sim-cluster.js';
import type { SimParams } from './sim-params.js';
import { SimRandom } from './sim-random.js';

/**
 * A simulated actor of the Raft simulation's fault phase (clients, operator, membership
 * changes): it draws from its own named random stream, acts in loops at exponential gaps from
 * {@link start}, and issues nothing new after {@link stop} (the heal phase), while what it
 * already set in motion may still complete. Subclasses start their loops with {@link every}.
 */
export abstract class FaultPhaseActor {
  protected readonly cluster: SimCluster;
  protected readonly params: SimParams;
  /** The actor's own stream: its draws never reshuffle another concern's. */
  protected readonly random: SimRandom;
  private on = false;

  /** @param stream the name of the actor's random stream (see {@link SimRandom.forStream}). */
  constructor(cluster: SimCluster, params: SimParams, stream: string) {
    this.cluster = cluster;
    this.params = params;
    this.random = SimRandom.forStream(params.seed, stream);
  }

  /** Starts acting. */
  start(): void {
    this.on = true;
    this.startLoops();
  }

  /** Stops issuing anything new. */
  stop(): void {
    this.on = false;
  }

  /** Starts the actor's loops (with {@link every}), in a fixed order. */
  protected abstract startLoops(): void;

  /** Runs `body` at exponential gaps of mean `meanMs`, drawn from the actor's stream, until stopped. */
  protected every(meanMs: number, body: () => void): void {
    everyExponentialGap(this.cluster.scheduler, this.random, meanMs, () => this.on, body);
  }
}
