package org.chspool.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code spoolctl completion}: prints a bash/zsh completion script generated from the command model. */
@Command(name = "completion", mixinStandardHelpOptions = true, description = "Print a bash/zsh completion script for spoolctl.",
        footer = {"", "Examples:",
                "  source <(spoolctl completion)",
                "  spoolctl completion > /etc/bash_completion.d/spoolctl"})
final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(AutoComplete.bash("spoolctl", spec.root().commandLine()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
