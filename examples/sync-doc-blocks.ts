// Copies every included example file into the pages that show it: run after editing an example.
import { docPages, syncPage } from "./doc-blocks.ts";

const changed = docPages().filter((page) => syncPage(page));
console.log(changed.length > 0 ? `updated ${changed.join(", ")}` : "every included block is up to date");
