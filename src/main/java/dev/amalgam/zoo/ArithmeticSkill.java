package dev.amalgam.zoo;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Adding two small numbers in words inside a little story: "Tom had two apples. Then he found three more
 * apples. Now Tom has" → "five". Addends are one..nine with a sum of at most ten (45 facts); names, things
 * and sentence templates vary.
 */
public record ArithmeticSkill() implements Skill {
    static final List<String> NUMBERS = List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
            "nine", "ten");
    /** Countable things: singular and plural. */
    private static final List<String[]> THINGS = List.of(new String[]{"apple", "apples"}, new String[]{"ball", "balls"},
            new String[]{"toy", "toys"}, new String[]{"cookie", "cookies"}, new String[]{"flower", "flowers"},
            new String[]{"rock", "rocks"});

    @Override
    public String name() {
        return "demo_arithmetic";
    }

    @Override
    public List<Prompt> prompts() {
        Set<String> seen = new LinkedHashSet<>();
        List<Prompt> out = new ArrayList<>();
        for (int a = 1; a <= 9; a++) {
            for (int b = 1; a + b <= 10; b++) {
                String sum = NUMBERS.get(a + b);
                for (String[] thing : THINGS) {
                    String as = count(a, thing);
                    String bs = count(b, thing);
                    for (Child c : Child.ALL) {
                        List<String> contexts = List.of(
                                c.name() + " had " + as + ". Then " + c.subject() + " found " + bs + " more. Now " + c.name() + " has",
                                "Mom gave " + c.name() + " " + as + ". Dad gave " + c.object() + " " + bs
                                        + ". Now " + c.subject() + " has",
                                c.name() + " saw " + as + " and " + bs + ". " + c.capitalSubject() + " counted them. There were",
                                "There were " + as + " in the box. " + c.name() + " put in " + bs + " more. Now there are");
                        for (String context : contexts) {
                            if (seen.add(context)) {
                                out.add(new Prompt(context, sum));
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    private static String count(int n, String[] thing) {
        return NUMBERS.get(n) + " " + (n == 1 ? thing[0] : thing[1]);
    }

    @Override
    public List<String> answerWords() {
        return NUMBERS.subList(2, 11);
    }
}
