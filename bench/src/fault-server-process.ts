// The fault server in a process of its own, so that its work and its request
// log weigh neither on the measured process's CPU nor on its heap. Driven over IPC.
import { FaultServer, type FaultStep } from "@understudy/testing";
import { firstTokenDelayMs, indexOfPrompt } from "./first-token-plan.ts";
import type { FaultCommand, LoggedCall } from "./remote-fault-server.ts";

const server = await FaultServer.start();

function perform(command: FaultCommand): unknown {
  switch (command.type) {
    case "script":
      server.script(command.model, () => command.step);
      return null;
    case "outage":
      server.outage(command.model, { from: command.from, to: command.to, step: command.step as FaultStep });
      return null;
    case "firstTokens": {
      const { plan } = command;
      // A prompt without an index (a system's own warm-up) draws as request 0.
      server.script(command.model, (_attempt, request) => ({
        firstTokenDelayMs: firstTokenDelayMs(plan, indexOfPrompt(request.lastUserText) ?? 0),
        tokenDelayMs: plan.tokenDelayMs,
      }));
      return null;
    }
    case "calls": {
      const models = new Set(command.models);
      return server.log
        .filter((entry) => models.has(entry.model))
        .map(
          (entry): LoggedCall => ({
            model: entry.model,
            index: indexOfPrompt(entry.lastUserText),
            time: entry.time,
            endTime: entry.endTime,
            clientHungUp: entry.clientHungUp,
          }),
        );
    }
    case "count":
      return server.log.filter((entry) => entry.model === command.model && entry.time >= command.from && entry.time < command.to)
        .length;
    case "clearLog":
      server.log.length = 0;
      return null;
  }
}

process.on("message", (message: { id: number; command: FaultCommand }) => {
  process.send?.({ id: message.id, result: perform(message.command) });
});
process.on("disconnect", () => {
  void server.close().then(() => process.exit(0));
});
process.send?.({ id: 0, result: server.openaiBaseURL });
