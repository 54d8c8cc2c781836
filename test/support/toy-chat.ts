// An OpenAI-compatible chat-completions server on 127.0.0.1 (a random free
// port) serving the demo's deterministic toy models by name (src/demo/backdoor-models.ts).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toyChat, type ToyChatModel } from '../../src/demo/backdoor-models.ts';

/** A running toy chat server: its base URL (…/v1), how many completions it served, and how to stop it. */
export interface ToyChatServer {
  url: string;
  served: () => number;
  close: () => Promise<void>;
}

/** Starts a server answering each request with the toy model its `model` field names (404 for an unknown one). */
export async function startToyChatServer(models: Readonly<Record<string, ToyChatModel>>): Promise<ToyChatServer> {
  let served = 0;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/chat/completions') return response.writeHead(404).end();
      const { model, messages } = JSON.parse(body) as { model: string; messages: Array<{ role: string; content: string }> };
      const toy = models[model];
      if (toy === undefined) return response.writeHead(404, { 'content-type': 'application/json' }).end('{"error": {"message": "no such model"}}');
      served++;
      const content = toyChat(toy, messages.at(-1)!.content);
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `chatcmpl-${served}`, object: 'chat.completion', model, choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    served: () => served,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
