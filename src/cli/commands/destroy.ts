import type { Command } from "commander";
import { InputError } from "../../errors.js";
import { destroyStackSet } from "../../provision/deploy/deploy-stackset.js";
import { deployedUnits } from "../../provision/deploy/live-units.js";
import { DEFAULT_RETRY } from "../../provision/deploy/poll-retry.js";
import { deleteStackAndWait } from "../../provision/deploy/stack-change.js";
import { awsFailure, cloudFormation, pollMs, requireRegion } from "../deploy/aws-clients.js";
import { confirm } from "../deploy/confirm.js";
import { humanStream, outputFormat, printJson, withJsonErrors } from "../deploy/output.js";
import { eventLine, table } from "../deploy/render.js";
import { parseIntegerArg } from "../io.js";
import { EXIT } from "../report-error.js";

interface DestroyOptions {
  stackName?: string;
  yes?: boolean;
  region?: string;
  endpointUrl?: string;
  format?: string;
  pollRetrySeconds?: string;
}

export function registerDestroy(program: Command): void {
  program
    .command("destroy")
    .description(
      "Delete what deploy made under a stack name: its stacks, and its StackSets with every instance (roles and providers in every account), after showing them and asking. Exit 0 deleted or nothing there, 1 failed or declined, 2 invalid input.",
    )
    .option("--stack-name <name>", "the name deploy was given (every unit starts with it)")
    .option("--yes", "delete without asking")
    .option("--region <region>", "AWS region (default: the SDK's resolution)")
    .option("--endpoint-url <url>", "AWS endpoint (e.g. the bb-oidc emulator)")
    .option("--format <text|json>", "output format", "text")
    .option(
      "--poll-retry-seconds <n>",
      `while waiting, keep retrying a lost connection this long (default ${DEFAULT_RETRY.budgetMs / 1000})`,
    )
    .action(async (opts: DestroyOptions) => {
      const format = outputFormat(opts.format);
      process.exitCode = await withJsonErrors(format, () => runDestroy(opts, format));
    });
}

async function runDestroy(opts: DestroyOptions, format: "text" | "json"): Promise<number> {
  if (!opts.stackName) throw new InputError("--stack-name is required");
  const region = requireRegion(opts);
  const out = humanStream(format);
  const cfn = cloudFormation(opts);
  const retry =
    opts.pollRetrySeconds === undefined
      ? DEFAULT_RETRY
      : {
          ...DEFAULT_RETRY,
          budgetMs: parseIntegerArg(opts.pollRetrySeconds, "--poll-retry-seconds") * 1000,
        };
  const common = {
    pollMs: pollMs(opts),
    retry,
    statusCommand: `bb-oidc status --stack-name ${opts.stackName}`,
  };
  try {
    // Roles first, providers last: a role never outlives the provider it trusts.
    const units = (await deployedUnits(cfn, opts.stackName)).sort(
      (a, b) => Number(/-provider(-ous)?$/.test(a.name)) - Number(/-provider(-ous)?$/.test(b.name)),
    );
    if (units.length === 0) {
      if (format === "json")
        printJson({ stackName: opts.stackName, region, outcome: "nothing-to-delete", units: [] });
      else out.write(`Nothing deployed under ${opts.stackName} in ${region}: nothing to delete.\n`);
      return EXIT.ok;
    }
    if (format === "text") {
      out.write(
        `These will be deleted, with every resource they made:\n${table([
          ["Unit", "Kind", "Status", "Roles"],
          ...units.map((u) => [
            u.name,
            u.kind === "stack" ? "stack" : "StackSet (and its instances)",
            u.status,
            u.roles.join(", "),
          ]),
        ])}\n`,
      );
    }
    if (!(await confirm("Delete these?", opts.yes, "delete them"))) {
      if (format === "json")
        printJson({
          stackName: opts.stackName,
          region,
          outcome: "declined",
          units: units.map((u) => u.name),
        });
      else out.write("Not deleted; nothing was changed.\n");
      return EXIT.failed;
    }
    const results: Array<{ name: string; kind: string; outcome: string; reason?: string }> = [];
    let failed = false;
    for (const u of units) {
      if (failed) {
        results.push({ name: u.name, kind: u.kind, outcome: "skipped" });
        continue;
      }
      if (format === "text")
        out.write(`\nDeleting ${u.kind === "stack" ? "stack" : "StackSet"} ${u.name}…\n`);
      if (u.kind === "stack") {
        const r = await deleteStackAndWait(cfn, { stackName: u.name, ...common }, (e) =>
          format === "text" ? out.write(`${eventLine(e)}\n`) : undefined,
        );
        failed = r.outcome === "failed";
        results.push({
          name: u.name,
          kind: u.kind,
          outcome: r.outcome,
          ...(r.failureReason ? { reason: r.failureReason } : {}),
        });
      } else {
        const r = await destroyStackSet(
          cfn,
          {
            stackSetName: u.name,
            preferences: {
              maxConcurrentPercentage: 100,
              failureTolerancePercentage: 0,
              concurrencyMode: "SOFT_FAILURE_TOLERANCE",
              regionConcurrencyType: "PARALLEL",
            },
            ...common,
          },
          {
            onProgress: (row) =>
              format === "text"
                ? out.write(
                    `  ${row.account}  ${row.region.padEnd(14)}  ${row.status}${row.reason ? `  ${row.reason}` : ""}\n`,
                  )
                : undefined,
          },
        );
        failed = r.failed;
        const reason = r.instances.find((i) => i.reason)?.reason;
        results.push({
          name: u.name,
          kind: u.kind,
          outcome: r.failed ? "failed" : "deleted",
          ...(r.failed && reason ? { reason } : {}),
        });
      }
    }
    if (format === "json")
      printJson({
        stackName: opts.stackName,
        region,
        outcome: failed ? "failed" : "deleted",
        units: results,
      });
    else if (failed) {
      const f = results.find((r) => r.outcome === "failed")!;
      process.stderr.write(
        `\nbb-oidc: deleting ${f.name} failed: ${f.reason ?? "no reason was reported"}\n`,
      );
    } else out.write(`\n${opts.stackName}: deleted.\n`);
    return failed ? EXIT.failed : EXIT.ok;
  } catch (err) {
    throw awsFailure(err);
  } finally {
    cfn.destroy();
  }
}
