package io.mnemo.infra;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code terraform validate} would catch about names, from files parsed by terraform/check (hcl2json): in
 * each directory every {@code var.x} is declared and every declared variable used, every {@code local.x} defined;
 * every module call gives only inputs its module declares and all that it requires; every
 * {@code module.m.out} names a module call of the directory and an output of its module.
 */
final class TerraformReferences {
    private static final Pattern VAR = Pattern.compile("\\bvar\\.([A-Za-z0-9_]+)");
    private static final Pattern LOCAL = Pattern.compile("\\blocal\\.([A-Za-z0-9_]+)");
    private static final Pattern MODULE_OUTPUT = Pattern.compile("\\bmodule\\.([A-Za-z0-9_]+)\\.([A-Za-z0-9_]+)");
    private static final Set<String> META_ARGUMENTS = Set.of("source", "version", "count", "for_each", "providers",
            "depends_on");

    /** One directory (module) of parsed files. */
    record Directory(Map<String, JsonNode> variables, Set<String> locals, Set<String> outputs,
                     Map<String, JsonNode> moduleCalls, String code) {
    }

    private TerraformReferences() {
    }

    /** Problems found in the parsed files ({"path/file.tf": parsed}); empty when every reference resolves. */
    static List<String> problems(JsonNode parsedFiles) {
        Map<String, Directory> directories = directories(parsedFiles);
        List<String> problems = new ArrayList<>();
        directories.forEach((dir, module) -> {
            String where = dir.isEmpty() ? "(root)" : dir;
            Set<String> used = names(VAR, module.code());
            for (String name : used) {
                if (!module.variables().containsKey(name)) {
                    problems.add(where + ": var." + name + " is not declared");
                }
            }
            for (String name : module.variables().keySet()) {
                if (!used.contains(name)) {
                    problems.add(where + ": variable " + name + " is declared but never used");
                }
                JsonNode declaration = module.variables().get(name);
                if (!declaration.has("description") || !declaration.has("type")) {
                    problems.add(where + ": variable " + name + " needs a description and a type");
                }
            }
            for (String name : names(LOCAL, module.code())) {
                if (!module.locals().contains(name)) {
                    problems.add(where + ": local." + name + " is not defined");
                }
            }
            module.moduleCalls().forEach((call, arguments) -> {
                String source = arguments.path("source").asText();
                String target = resolve(dir, source);
                Directory called = directories.get(target);
                if (called == null) {
                    problems.add(where + ": module " + call + " has source " + source + ", which has no .tf files");
                    return;
                }
                Set<String> given = new HashSet<>();
                arguments.fieldNames().forEachRemaining(given::add);
                given.removeAll(META_ARGUMENTS);
                for (String input : given) {
                    if (!called.variables().containsKey(input)) {
                        problems.add(where + ": module " + call + " gives " + input + ", which " + target
                                + " does not declare");
                    }
                }
                called.variables().forEach((input, declaration) -> {
                    if (!declaration.has("default") && !given.contains(input)) {
                        problems.add(where + ": module " + call + " lacks required input " + input);
                    }
                });
            });
            Matcher output = MODULE_OUTPUT.matcher(module.code());
            while (output.find()) {
                JsonNode call = module.moduleCalls().get(output.group(1));
                if (call == null) {
                    problems.add(where + ": module." + output.group(1) + " is not a module of this directory");
                    continue;
                }
                Directory called = directories.get(resolve(dir, call.path("source").asText()));
                if (called != null && !called.outputs().contains(output.group(2))) {
                    problems.add(where + ": module." + output.group(1) + "." + output.group(2)
                            + " is not an output of " + call.path("source").asText());
                }
            }
        });
        return problems;
    }

    static Map<String, Directory> directories(JsonNode parsedFiles) {
        Map<String, List<JsonNode>> byDirectory = new TreeMap<>();
        parsedFiles.fields().forEachRemaining(file -> {
            int slash = file.getKey().lastIndexOf('/');
            byDirectory.computeIfAbsent(slash < 0 ? "" : file.getKey().substring(0, slash), d -> new ArrayList<>())
                    .add(file.getValue());
        });
        Map<String, Directory> directories = new HashMap<>();
        byDirectory.forEach((dir, files) -> {
            Map<String, JsonNode> variables = new TreeMap<>();
            Set<String> locals = new HashSet<>();
            Set<String> outputs = new HashSet<>();
            Map<String, JsonNode> moduleCalls = new TreeMap<>();
            StringBuilder code = new StringBuilder();
            for (JsonNode file : files) {
                for (Iterator<Map.Entry<String, JsonNode>> blocks = file.fields(); blocks.hasNext(); ) {
                    Map.Entry<String, JsonNode> block = blocks.next();
                    switch (block.getKey()) {
                        // a variable's own validation names it: that is not a use
                        case "variable" -> block.getValue().fields().forEachRemaining(v ->
                                variables.put(v.getKey(), v.getValue().get(0)));
                        case "locals" -> {
                            block.getValue().forEach(l -> l.fieldNames().forEachRemaining(locals::add));
                            code.append(block.getValue());
                        }
                        case "output" -> {
                            block.getValue().fieldNames().forEachRemaining(outputs::add);
                            code.append(block.getValue());
                        }
                        case "module" -> {
                            block.getValue().fields().forEachRemaining(m -> moduleCalls.put(m.getKey(),
                                    m.getValue().get(0)));
                            code.append(block.getValue());
                        }
                        default -> code.append(block.getValue());
                    }
                }
            }
            directories.put(dir, new Directory(variables, locals, outputs, moduleCalls, code.toString()));
        });
        return directories;
    }

    private static Set<String> names(Pattern pattern, String code) {
        Set<String> names = new HashSet<>();
        Matcher matcher = pattern.matcher(code);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    private static String resolve(String dir, String source) {
        String path = source.startsWith("./") ? source.substring(2) : source;
        return dir.isEmpty() ? path : dir + "/" + path;
    }
}
