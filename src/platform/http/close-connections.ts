import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

/**
 * Lets the server close while browsers hold connections to it. Node closes the
 * connections that are idle when the server stops listening, once; but a
 * browser also opens connections it has not used yet (Chromium preconnects),
 * and a request still running then leaves its connection open afterwards.
 * Neither has a timeout once the server has stopped listening, so the close
 * would wait for ever. From the start of the close: unused and idle
 * connections are destroyed, responses say `Connection: close` and a
 * connection is destroyed as soon as its last request has been answered, and
 * new connections are refused. Requests in flight finish.
 */
export function closeConnectionsOnClose(app: FastifyInstance): void {
  const server = app.server;
  const busy = new Map<Socket, number>();
  let closing = false;
  const settle = (socket: Socket) => {
    if (closing && !busy.get(socket)) socket.destroy();
  };
  server.on('connection', (socket: Socket) => {
    if (closing) return void socket.destroy();
    busy.set(socket, 0);
    socket.once('close', () => busy.delete(socket));
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    res.once('close', () => {
      busy.set(socket, Math.max(0, (busy.get(socket) ?? 1) - 1));
      settle(socket);
    });
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('preClose', (done) => {
    closing = true;
    for (const socket of busy.keys()) settle(socket);
    done();
  });
}
