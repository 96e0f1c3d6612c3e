package pairing

// wordList holds the 256 words of a typed code, one byte of secret each.
// They are short, common, lower case, and no word is a prefix of another.
var wordList = [256]string{
	"acid", "acorn", "actor", "adobe", "agent", "alarm", "album", "alley",
	"amber", "angle", "ankle", "apple", "apron", "arena", "armor", "arrow",
	"atlas", "attic", "audio", "award", "bacon", "badge", "bagel", "baker",
	"bamboo", "banjo", "barge", "basil", "basket", "beach", "beetle", "bench",
	"berry", "bike", "bird", "blade", "blanket", "blimp", "bloom", "board",
	"bonus", "boot", "bottle", "brain", "brick", "bridge", "brush", "bucket",
	"buffalo", "bugle", "cabin", "cactus", "camel", "candle", "canoe", "canyon",
	"carpet", "castle", "cedar", "cello", "chalk", "cherry", "chess", "chimney",
	"cider", "cinema", "circus", "clover", "cobra", "comet", "copper", "coral",
	"cotton", "cowboy", "crane", "crayon", "cricket", "crown", "cupcake", "curtain",
	"daisy", "dancer", "delta", "denim", "desert", "diary", "dinner", "dolphin",
	"donkey", "dragon", "drum", "duck", "eagle", "easel", "echo", "elbow",
	"engine", "falcon", "fabric", "feather", "fence", "fiddle", "finch", "flute",
	"forest", "fossil", "fox", "frog", "galaxy", "garden", "garlic", "gecko",
	"ginger", "giraffe", "glacier", "glove", "goose", "grape", "guitar", "hammer",
	"harbor", "harp", "hazel", "helmet", "hippo", "honey", "hornet", "husky",
	"igloo", "indigo", "iris", "island", "ivory", "jacket", "jaguar", "jelly",
	"jigsaw", "jungle", "kayak", "kettle", "kitten", "koala", "ladder", "lagoon",
	"lemon", "lentil", "lily", "lobster", "locket", "lotus", "magnet", "mango",
	"maple", "marble", "meadow", "melon", "mirror", "mitten", "monkey", "mosaic",
	"muffin", "napkin", "nectar", "needle", "noodle", "nugget", "oasis", "ocean",
	"olive", "onion", "orbit", "orchid", "otter", "owl", "oyster", "paddle",
	"panda", "papaya", "parrot", "peach", "pebble", "pepper", "piano", "pickle",
	"pigeon", "pillow", "pirate", "planet", "plum", "pony", "potato", "puffin",
	"pumpkin", "puzzle", "quartz", "quill", "rabbit", "radar", "raisin", "raven",
	"ribbon", "river", "robot", "rocket", "saddle", "salmon", "sandal", "scarf",
	"seal", "shadow", "shell", "silver", "sketch", "sloth", "socket", "sofa",
	"spider", "sponge", "squid", "statue", "stove", "sugar", "summit", "swan",
	"tablet", "tango", "teapot", "tiger", "toast", "tomato", "torch", "tractor",
	"trumpet", "tulip", "tunnel", "turtle", "tuxedo", "umbrella", "unicorn", "valley",
	"velvet", "violin", "volcano", "waffle", "walnut", "walrus", "wagon", "whale",
	"whistle", "willow", "window", "wizard", "wombat", "yacht", "yogurt", "zebra",
}

var wordIndex = func() map[string]int {
	m := make(map[string]int, len(wordList))
	for i, w := range wordList {
		m[w] = i
	}
	return m
}()
