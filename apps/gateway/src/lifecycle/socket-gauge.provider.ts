import { Provider } from '@nestjs/common';
import { GatewayMetrics } from '@push/observability';
import { ConnectionService } from '../connection/connection.service';

/** Points push_connected_sockets at the node's connection count (read when scraped, so it costs a socket nothing). */
export const socketGaugeProvider: Provider = {
  provide: Symbol('SOCKET_GAUGE'),
  inject: [GatewayMetrics, ConnectionService],
  useFactory: (metrics: GatewayMetrics, connections: ConnectionService): true => {
    metrics.countSocketsWith(() => connections.connections);
    return true;
  },
};
